import { AppException, ErrorCodes } from '@leadflow/contracts';
import { type ArgumentMetadata, Injectable, type PipeTransform, ValidationPipe, type ValidationError } from '@nestjs/common';

function describe(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const property = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {});
    return [...own, ...describe(error.children ?? [], property)];
  });
}

const shared = { whitelist: true, transform: true, forbidUnknownValues: true } as const;

/**
 * The global validation of HTTP bodies, query strings and RPC payloads. Failures carry a stable
 * code by where the bad value was: `invalid_query` for query strings (which also refuse unknown
 * parameters), `validation_failed` elsewhere.
 */
@Injectable()
export class AppValidationPipe implements PipeTransform {
  private readonly query = new ValidationPipe({
    ...shared,
    forbidNonWhitelisted: true,
    exceptionFactory: (errors) => new AppException(ErrorCodes.invalidQuery, describe(errors).join('; '), 400),
  });
  private readonly other = new ValidationPipe({
    ...shared,
    exceptionFactory: (errors) => new AppException(ErrorCodes.validationFailed, describe(errors).join('; '), 400),
  });

  transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    return (metadata.type === 'query' ? this.query : this.other).transform(value, metadata);
  }
}
