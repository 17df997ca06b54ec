import { AppException, ErrorCodes } from '@leadflow/contracts';
import { ApiProperty } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Optimistic concurrency over HTTP: a record's version is its strong ETag (`"<version>"`), sent on
 * every read and write; a change names the version it was made from in `If-Match`.
 */
export function etagOf(version: number): string {
  return `"${version}"`;
}

export function sendETag(reply: FastifyReply, version: number): void {
  void reply.header('ETag', etagOf(version));
}

/** A version no record has: what an If-Match that names no version of ours compares as (412). */
const NO_VERSION = 0;

/**
 * The version a conditional write expects, from `If-Match`: 428 `precondition_required` without
 * one; null for `*` (any current version). A weak or malformed tag matches no version, so the write
 * is refused with 412 and the current representation, as RFC 9110 has it for a tag that does not
 * match.
 */
export function expectedVersionOf(request: FastifyRequest): number | null {
  const header = request.headers['if-match'];
  const value = (Array.isArray(header) ? header.join(',') : (header ?? '')).trim();
  if (value.length === 0) {
    throw new AppException(ErrorCodes.preconditionRequired, 'This change needs If-Match with the ETag of the version it was made from');
  }
  const tags = value.split(',').map((tag) => tag.trim());
  if (tags.includes('*')) return null;
  const match = /^"([1-9][0-9]{0,15})"$/.exec(tags[0] ?? '');
  return match ? Number(match[1]) : NO_VERSION;
}

/** The body of a 412: the error, and the record as it now is (its ETag in the header). */
export function versionConflictBody<T>(current: T, requestId: string | undefined) {
  return {
    error: {
      code: ErrorCodes.versionConflict,
      message: 'If-Match names a version that is no longer current; current holds the record as it is now',
      requestId: requestId ?? '',
    },
    current,
  };
}

class VersionConflictDetailDoc {
  @ApiProperty({ example: 'version_conflict' })
  code!: string;

  @ApiProperty({ example: 'If-Match names a version that is no longer current; current holds the record as it is now' })
  message!: string;

  @ApiProperty({ example: '0193b0f4-5d2a-7c3e-9a1b-2f4e6d8c0a12' })
  requestId!: string;
}

/** The OpenAPI shape of a 412 answer; subclasses name the type of `current`. */
export class VersionConflictDetail extends VersionConflictDetailDoc {}
