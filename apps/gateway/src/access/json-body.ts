import { AppException, ErrorCodes } from '@leadflow/contracts';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { describeValidationErrors } from '@leadflow/runtime';
import type { FastifyRequest } from 'fastify';

/**
 * The gateway receives every body as bytes (intake keeps them as sent); the management routes read
 * theirs here: a JSON object, validated against `dto` (unknown properties refused).
 * 400 `invalid_payload` when it is not JSON, 400 `validation_failed` when a value is wrong.
 */
export async function readJsonBody<T extends object>(request: FastifyRequest, dto: new () => T): Promise<T> {
  const bytes = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  const contentType = String(request.headers['content-type'] ?? 'application/json').toLowerCase();
  if (!/^application\/json\s*(;|$)/.test(contentType)) {
    throw new AppException(ErrorCodes.unsupportedMediaType, 'Send application/json', 415);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new AppException(ErrorCodes.invalidPayload, 'The body is not valid JSON', 400);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new AppException(ErrorCodes.invalidPayload, 'The body must be a JSON object', 400);
  }
  const instance = plainToInstance(dto, parsed);
  const errors = await validate(instance, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true });
  if (errors.length > 0) throw new AppException(ErrorCodes.validationFailed, describeValidationErrors(errors).join('; '), 400);
  return instance;
}
