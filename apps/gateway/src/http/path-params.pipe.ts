import { AppException, decodeCursor, ErrorCodes, isUuid } from '@leadflow/contracts';
import { Injectable, type PipeTransform } from '@nestjs/common';

/** Path ids are UUIDs; anything else is a 400 `invalid_id`, never a lookup. */
@Injectable()
export class UuidParamPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    const id = String(value).toLowerCase();
    if (!isUuid(id)) throw new AppException(ErrorCodes.invalidId, `"${String(value).slice(0, 64)}" is not a valid id (UUID expected)`);
    return id;
  }
}

/** Workspace ids are `default` or UUIDs: lower-case letters, digits and dashes; 400 `invalid_id` otherwise. */
export function checkWorkspaceId(value: string): string {
  if (/^[a-z0-9][a-z0-9-]{0,62}$/.test(value)) return value;
  throw new AppException(ErrorCodes.invalidId, `"${String(value).slice(0, 64)}" is not a valid workspace id`);
}

/** The id a cursor points after; 400 `invalid_cursor` when it is not one this API handed out. */
export function cursorId(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const id = decodeCursor(cursor);
  if (!id) throw new AppException(ErrorCodes.invalidCursor, 'The cursor is not valid; use nextCursor from the previous page');
  return id;
}
