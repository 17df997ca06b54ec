import { applyDecorators } from '@nestjs/common';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsInt, Min } from 'class-validator';

/** The versions a conditional write names (the gateway reads them from If-Match): 1 to 20 versions. */
export function IsIfMatchVersions(): PropertyDecorator {
  return applyDecorators(IsArray(), ArrayMinSize(1), ArrayMaxSize(20), IsInt({ each: true }), Min(1, { each: true }));
}
