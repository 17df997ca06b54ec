import { AppException, ErrorCodes } from '@leadflow/contracts';
import { applyDecorators, type Type } from '@nestjs/common';
import { ApiHeader, ApiResponse } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ErrorBodyDoc } from './error-body.doc';

/**
 * Optimistic concurrency over HTTP, one rule for every versioned record (contacts, opportunities):
 * a record's version is its strong ETag (`"<version>"`), sent on every read and write; a change names
 * the version(s) it was made from in `If-Match`, and a stale one is 412 `version_conflict` with the
 * current representation (`versionConflictBody`) and its ETag.
 */
export function etagOf(version: number): string {
  return `"${version}"`;
}

/** The OpenAPI header of every conditional write. */
export const IF_MATCH_HEADER = {
  name: 'If-Match',
  required: true,
  description: 'The ETag of the version the change is made from, e.g. "3" (a list of them is allowed; * and weak tags are not)',
} as const;

/**
 * The OpenAPI side of a conditional write: the If-Match header, 412 with the record as it now is
 * (`conflict` documents that body), and 428 without If-Match.
 */
export const ApiConditionalWrite = (conflict: Type<unknown>) =>
  applyDecorators(
    ApiHeader(IF_MATCH_HEADER),
    ApiResponse({
      status: 412,
      type: conflict,
      description: 'version_conflict: current is the record as it is now, its ETag in the header',
    }),
    ApiResponse({ status: 428, type: ErrorBodyDoc, description: 'precondition_required: no If-Match' }),
  );

export function sendETag(reply: FastifyReply, version: number): void {
  void reply.header('ETag', etagOf(version));
}

/**
 * The versions an `If-Match` header names (`"3"`, or a list `"3", "4"`). A write to a versioned
 * record without one is 428 `precondition_required`; `*` (a blind write: optimistic concurrency is
 * the point of the header), weak validators (which If-Match may not use) and anything but our ETags
 * are 400 `invalid_precondition`.
 */
export function ifMatchVersions(header: string | string[] | undefined): number[] {
  const value = (Array.isArray(header) ? header.join(',') : header)?.trim();
  if (!value) {
    throw new AppException(ErrorCodes.preconditionRequired, 'Send If-Match with the ETag of the version you read (GET answers it)');
  }
  const versions = value.split(',').map((tag) => /^"([1-9][0-9]{0,14})"$/.exec(tag.trim())?.[1]);
  if (versions.length > 20 || versions.some((v) => v === undefined)) {
    throw new AppException(ErrorCodes.invalidPrecondition, 'If-Match must hold ETags this API answered, such as "3"');
  }
  return versions.map(Number);
}

/** The body of every 412: the standard error, and the record as it now is (its ETag goes in the header: `sendETag`). */
export function versionConflictBody<T extends { version: number }>(current: T, requestId: string | undefined) {
  return {
    error: {
      code: ErrorCodes.versionConflict,
      message: `The record is at version ${current.version}: read it again (current holds it) and retry with its ETag`,
      requestId: requestId ?? '',
    },
    current,
  };
}
