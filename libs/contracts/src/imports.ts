import { IsIn, IsInt, IsObject, IsOptional, IsString, IsUUID, Length, Max, MaxLength, Min } from 'class-validator';
import { PageRequest } from './requests';

/**
 * Bulk contact imports: a CSV uploaded through the gateway in chunks, stored by contacts, then
 * read by a background job. The column mapping is checked on both sides of the bus, before any
 * byte is stored.
 */

/** The contact fields a CSV column can feed; `properties.<key>` feeds a custom property. */
export const IMPORT_FIELDS = ['email', 'phone', 'firstName', 'lastName', 'company', 'title', 'country', 'tags'] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];

export const IMPORT_PROPERTY_PREFIX = 'properties.';
const PROPERTY_KEY = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

/** Largest upload the gateway takes (413 `payload_too_large` above). */
export const MAX_IMPORT_BYTES = 100 * 1024 * 1024;
/** Bytes per chunk message: base64 makes 4/3 of it, well under NATS' 1 MiB payload limit. */
export const IMPORT_CHUNK_BYTES = 512 * 1024;
/** Columns a mapping may name. */
export const MAX_MAPPING_COLUMNS = 200;

/** CSV column name → target (`email`, `firstName`, `properties.plan`, …). */
export type ImportMapping = Record<string, string>;

/** A target: one of the fields, or a custom property. */
export type ImportTarget = { field: ImportField } | { property: string };

const FIELD_BY_LOWER = new Map<string, ImportField>(IMPORT_FIELDS.map((field) => [field.toLowerCase(), field]));

/** The target a mapping names, case-insensitive for fields (`FirstName`, `first_name` too); undefined when unknown. */
export function importTargetOf(name: string): ImportTarget | undefined {
  const trimmed = name.trim();
  if (trimmed.toLowerCase().startsWith(IMPORT_PROPERTY_PREFIX)) {
    const key = trimmed.slice(IMPORT_PROPERTY_PREFIX.length);
    return PROPERTY_KEY.test(key) ? { property: key } : undefined;
  }
  const field = FIELD_BY_LOWER.get(trimmed.toLowerCase().replace(/[_\s-]/g, ''));
  return field ? { field } : undefined;
}

/**
 * Checks a mapping as a client sent it (the JSON of `?mapping=`): an object of column names to
 * known targets, no field fed by two columns. Returns the problems, none when it is usable.
 */
export function mappingProblems(mapping: unknown): string[] {
  if (typeof mapping !== 'object' || mapping === null || Array.isArray(mapping))
    return ['the mapping must be a JSON object of column → field'];
  const entries = Object.entries(mapping as Record<string, unknown>);
  if (entries.length === 0) return ['the mapping names no column'];
  if (entries.length > MAX_MAPPING_COLUMNS) return [`the mapping names more than ${MAX_MAPPING_COLUMNS} columns`];
  const problems: string[] = [];
  const fedBy = new Map<string, string>();
  for (const [column, target] of entries) {
    if (column.length === 0 || column.length > 200) problems.push(`column names are 1 to 200 characters`);
    if (typeof target !== 'string') {
      problems.push(`the target of column "${column}" must be a string`);
      continue;
    }
    const resolved = importTargetOf(target);
    if (!resolved) {
      problems.push(`unknown target field "${target}" for column "${column}" (fields: ${IMPORT_FIELDS.join(', ')}, or properties.<key>)`);
      continue;
    }
    const key = 'field' in resolved ? resolved.field : `${IMPORT_PROPERTY_PREFIX}${resolved.property}`;
    const other = fedBy.get(key);
    if (other !== undefined) problems.push(`"${key}" is fed by two columns: "${other}" and "${column}"`);
    fedBy.set(key, column);
  }
  return problems;
}

export type ImportStatus = 'uploading' | 'queued' | 'running' | 'completed' | 'failed';

export interface ImportView {
  id: string;
  workspaceId: string;
  status: ImportStatus;
  fileName: string | null;
  /** The mapping given, or null for the default (header names equal to field names). */
  mapping: ImportMapping | null;
  createdBy: string;
  bytes: number;
  /** Data rows read so far (the header is not one). */
  rowsDone: number;
  created: number;
  duplicates: number;
  errors: number;
  /** Why a failed import stopped. */
  failure: { code: string; message: string } | null;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  completedAt: string | null;
}

export type ImportIssueKind = 'error' | 'duplicate';

/** A row that was not imported: an error, or a duplicate of an existing contact. */
export interface ImportIssue {
  /** 1 is the first data row after the header. */
  row: number;
  column: string | null;
  code: string;
  message: string;
  /** The contact the row duplicates. */
  contactId: string | null;
  /** The row as it was in the file. */
  raw: string;
}

export interface ImportIssuePage {
  items: ImportIssue[];
  /** Pass as `afterRow` for the next page; null on the last page. */
  nextAfterRow: number | null;
}

/** Opens an upload. */
export class ImportStartRequest {
  @IsString()
  @Length(1, 64)
  workspaceId!: string;

  @IsString()
  @Length(1, 100)
  createdBy!: string;

  @IsOptional()
  @IsObject()
  mapping?: ImportMapping;

  @IsOptional()
  @IsString()
  @MaxLength(255)
  fileName?: string;
}

export class ImportChunkRequest {
  @IsString()
  @Length(1, 64)
  workspaceId!: string;

  @IsUUID()
  importId!: string;

  /** 0, 1, 2, … in file order. */
  @IsInt()
  @Min(0)
  seq!: number;

  /** Where the chunk starts in the file. */
  @IsInt()
  @Min(0)
  offset!: number;

  /** The chunk's bytes, base64. */
  @IsString()
  @MaxLength(Math.ceil(IMPORT_CHUNK_BYTES / 3) * 4)
  data!: string;
}

/** Closes an upload: every chunk was sent; the import is queued. */
export class ImportFinishRequest {
  @IsString()
  @Length(1, 64)
  workspaceId!: string;

  @IsUUID()
  importId!: string;

  @IsInt()
  @Min(0)
  chunks!: number;

  @IsInt()
  @Min(0)
  @Max(MAX_IMPORT_BYTES)
  bytes!: number;
}

/** Gives an upload up (too large, or the client went away): its chunks are dropped. */
export class ImportAbortRequest {
  @IsString()
  @Length(1, 64)
  workspaceId!: string;

  @IsUUID()
  importId!: string;

  @IsString()
  @Length(1, 64)
  code!: string;

  @IsString()
  @MaxLength(500)
  message!: string;
}

export class ImportListRequest extends PageRequest {}

export class ImportIssuesRequest {
  @IsString()
  @Length(1, 64)
  workspaceId!: string;

  @IsUUID()
  id!: string;

  @IsIn(['error', 'duplicate'])
  kind!: ImportIssueKind;

  @IsInt()
  @Min(0)
  afterRow!: number;

  @IsInt()
  @Min(1)
  @Max(5000)
  limit!: number;
}
