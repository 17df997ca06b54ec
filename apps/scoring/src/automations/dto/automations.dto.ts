import { MAX_PAGE_SIZE } from '@leadflow/contracts';
import { ArrayMaxSize, IsArray, IsBoolean, IsInt, IsObject, IsOptional, IsString, Length, Max, MaxLength, Min } from 'class-validator';
import { WorkspaceDto } from '../../rules/dto/rules.dto';
import type { AutomationBody } from '../automation-body';

/** An automation named by id; the id is checked by the service, so that a bad one answers `invalid_id`. */
export class AutomationRefDto extends WorkspaceDto {
  @IsString()
  @MaxLength(100)
  id!: string;
}

export class AutomationPageDto extends WorkspaceDto {
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit!: number;

  @IsOptional()
  @IsString()
  @Length(1, 64)
  cursor?: string;
}

export class AutomationRunsDto extends AutomationPageDto {
  @IsString()
  @MaxLength(100)
  id!: string;
}

/** A create: the body is checked by the service, so that a bad one answers `invalid_automation`. */
export class AutomationCreateDto extends WorkspaceDto {
  @IsObject()
  automation!: AutomationBody;

  @IsOptional()
  @IsBoolean()
  runForExisting?: boolean;
}

/** A change made from the versions the caller read (If-Match), when it names them. */
export class AutomationVersionedDto extends AutomationRefDto {
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsInt({ each: true })
  ifMatch?: number[];
}

export class AutomationPatchDto extends AutomationVersionedDto {
  @IsObject()
  automation!: AutomationBody;
}
