import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';

/** An event whose data breaks its contract: retried, then kept in the dead letters, never applied. */
export class InvalidEventDataError extends Error {}

/** Checks an event's data against its DTO class; throws naming the offending fields. */
export function parseEventData<T extends object>(dtoClass: new () => T, type: string, data: unknown): T {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new InvalidEventDataError(`${type}: data is not an object`);
  }
  const dto = plainToInstance(dtoClass, data);
  const errors = validateSync(dto);
  if (errors.length > 0) {
    throw new InvalidEventDataError(`${type}: invalid ${errors.map((e) => e.property).join(', ')}`);
  }
  return dto;
}
