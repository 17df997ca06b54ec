import { AppException, ErrorCodes } from '@leadflow/contracts';

/** The ETag of a record at `version`: a strong validator, `"<version>"`. */
export function etagOf(version: number): string {
  return `"${version}"`;
}

/**
 * The versions an `If-Match` header names (`"3"`, or a list `"3", "4"`). A write to a versioned
 * record without one is 428 `precondition_required`; `*`, weak validators (which If-Match may not
 * use) and anything but our ETags are 400 `invalid_precondition`.
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
