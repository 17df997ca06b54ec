import { AppException, ErrorCodes } from '@leadflow/contracts';
import { type ArgumentMetadata, Injectable, type PipeTransform, ValidationPipe, type ValidationError } from '@nestjs/common';
import { validDtoInstance } from './dto-instance';

/** Every message of class-validator's errors, nested ones included, for an error body. */
function describeValidationErrors(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const property = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {});
    return [...own, ...describeValidationErrors(error.children ?? [], property)];
  });
}

/**
 * What class-validator's whitelist lets through or the database cannot hold: parameters named
 * after Object.prototype members (`__proto__`, `constructor`), and NUL characters in values.
 */
function refuseOddParameters(query: unknown): void {
  if (typeof query !== 'object' || query === null) return;
  for (const [name, value] of Object.entries(query)) {
    if (name in Object.prototype) throw new AppException(ErrorCodes.invalidQuery, `property ${name.slice(0, 64)} should not exist`);
    const values: unknown[] = Array.isArray(value) ? value : [value];
    if (values.some((v) => typeof v === 'string' && v.includes('\u0000'))) {
      throw new AppException(ErrorCodes.invalidQuery, `${name.slice(0, 64)} must not contain NUL characters`);
    }
  }
}

const shared = { whitelist: true, transform: true, forbidUnknownValues: true } as const;

/**
 * A request body the HTTP layer could not read (not JSON, wrong content type). The body parser
 * hands it on instead of failing, so that the guards run first (a caller without a credential is
 * told 401, whatever it sent); the validation pipe then raises `error` for the handler's `@Body()`.
 */
export class UnreadableBody {
  constructor(readonly error: AppException) {}
}

export interface AppValidationOptions {
  /**
   * Bodies are JSON objects holding only the declared properties: a missing or non-object body is
   * 400 `invalid_payload`, an unknown property 400 `validation_failed` (rather than stripped).
   */
  strictBodies?: boolean;
}

/** Types Nest's ValidationPipe passes through unvalidated. */
const UNVALIDATED_TYPES: ReadonlyArray<unknown> = [String, Boolean, Number, Array, Object];
/** Types Nest's ValidationPipe does not validate (and `custom` parameters, which it leaves alone). */
const NOT_DTOS: ReadonlyArray<unknown> = [...UNVALIDATED_TYPES, Buffer, Date];

/**
 * The global validation of HTTP bodies, query strings and RPC payloads. Failures carry a stable
 * code by where the bad value was: `invalid_query` for query strings (which also refuse unknown
 * parameters), `validation_failed` elsewhere.
 *
 * A body or payload that is known to pass becomes its DTO without class-transformer and
 * class-validator's error building (`validDtoInstance`); anything else goes through Nest's
 * ValidationPipe, which alone gives verdicts and messages. On the intake path this is every
 * group of leads the gateway hands ingestion, where the pipe was most of ingestion's allocations.
 */
@Injectable()
export class AppValidationPipe implements PipeTransform {
  private readonly query = new ValidationPipe({
    ...shared,
    forbidNonWhitelisted: true,
    exceptionFactory: (errors) => new AppException(ErrorCodes.invalidQuery, describeValidationErrors(errors).join('; ')),
  });
  private readonly other = new ValidationPipe({
    ...shared,
    exceptionFactory: (errors) => new AppException(ErrorCodes.validationFailed, describeValidationErrors(errors).join('; ')),
  });
  private readonly strictBody = new ValidationPipe({
    ...shared,
    forbidNonWhitelisted: true,
    exceptionFactory: (errors) => new AppException(ErrorCodes.validationFailed, describeValidationErrors(errors).join('; ')),
  });

  constructor(private readonly options: AppValidationOptions = {}) {}

  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'body' && value instanceof UnreadableBody) throw value.error;
    if (metadata.type === 'body' && this.options.strictBodies && metadata.metatype && !UNVALIDATED_TYPES.includes(metadata.metatype)) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new AppException(ErrorCodes.invalidPayload, 'The body must be a JSON object');
      }
      return this.validDto(value, metadata) ?? this.strictBody.transform(value, metadata);
    }
    if (metadata.type !== 'query') return this.validDto(value, metadata) ?? this.other.transform(value, metadata);
    refuseOddParameters(value);
    return this.query.transform(value, metadata);
  }

  /** The DTO of a value known to pass, or undefined for the ValidationPipe to decide. */
  private validDto(value: unknown, { type, metatype }: ArgumentMetadata): object | undefined {
    if (type === 'custom' || typeof metatype !== 'function' || NOT_DTOS.includes(metatype)) return undefined;
    return validDtoInstance(metatype as new () => object, value);
  }
}
