import {
  AppException,
  type ByIdRequest,
  ErrorCodes,
  IMPORT_CHUNK_BYTES,
  type ImportAbortRequest,
  type ImportChunkRequest,
  type ImportFinishRequest,
  type ImportIssuePage,
  type ImportIssuesRequest,
  type ImportListRequest,
  type ImportStartRequest,
  type ImportView,
  mappingProblems,
  type Page,
} from '@leadflow/contracts';
import { JobQueue, Scheduler } from '@leadflow/jobs';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { IMPORT_JOB_KIND, type ImportJobPayload } from './import-runner.service';
import { type ImportRow, ImportsRepository } from './imports.repository';

/** An upload that received nothing for this long is given up (its gateway or client went away). */
export const ABANDONED_UPLOAD_MS = 60 * 60_000;
const ABANDONED_CHECK_EVERY_MS = 10 * 60_000;

const notFound = (id: string) => new AppException(ErrorCodes.notFound, `No import ${id}`);

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The size of what a base64 text encodes; undefined when it is not base64. */
function base64Size(text: string): number | undefined {
  if (text.length % 4 !== 0 || !BASE64.test(text)) return undefined;
  return (text.length / 4) * 3 - (text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0);
}

export function importView(row: ImportRow): ImportView {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    status: row.status,
    fileName: row.file_name,
    mapping: row.mapping,
    createdBy: row.created_by,
    bytes: Number(row.bytes),
    rowsDone: Number(row.rows_done),
    created: Number(row.created_count),
    duplicates: Number(row.duplicate_count),
    errors: Number(row.error_count),
    failure: row.failure_code === null ? null : { code: row.failure_code, message: row.failure_message ?? '' },
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    startedAt: row.started_at?.toISOString() ?? null,
    completedAt: row.completed_at?.toISOString() ?? null,
  };
}

/**
 * The upload of an import (opened, filled chunk by chunk, then queued as a job once every chunk is
 * stored) and what admins read of it: progress, and the rows that were not imported.
 */
@Injectable()
export class ImportsService implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly imports: ImportsRepository,
    private readonly jobs: JobQueue,
    private readonly scheduler: Scheduler,
  ) {}

  onModuleInit(): void {
    this.scheduler.add({
      name: 'contacts.imports.abandoned-uploads',
      intervalMs: ABANDONED_CHECK_EVERY_MS,
      run: async () => {
        await this.failAbandonedUploads();
      },
    });
  }

  /** Fails the uploads that stopped arriving an hour ago, and drops what they stored. */
  failAbandonedUploads(idleMs = ABANDONED_UPLOAD_MS): Promise<number> {
    return this.imports.failAbandonedUploads(idleMs);
  }

  async start(request: ImportStartRequest): Promise<ImportView> {
    const mapping = request.mapping ?? null;
    if (mapping !== null) {
      const problems = mappingProblems(mapping);
      if (problems.length > 0) throw new AppException(ErrorCodes.invalidMapping, problems.join('; '));
    }
    const row = await this.imports.insert({
      id: uuidv7(),
      workspaceId: request.workspaceId,
      fileName: request.fileName ?? null,
      mapping,
      createdBy: request.createdBy,
    });
    return importView(row);
  }

  async chunk(request: ImportChunkRequest): Promise<{ stored: number }> {
    // Decoded by PostgreSQL: the bytes never become a Buffer here, nor hex text on the way in.
    const size = base64Size(request.data);
    if (size === undefined || size === 0 || size > IMPORT_CHUNK_BYTES) {
      throw new AppException(ErrorCodes.validationFailed, `a chunk is 1 to ${IMPORT_CHUNK_BYTES} bytes, base64`);
    }
    const open = await this.imports.insertChunk(request.workspaceId, request.importId, request.seq, request.offset, request.data);
    if (!open) throw new AppException(ErrorCodes.importNotOpen, `Import ${request.importId} takes no more data`);
    return { stored: size };
  }

  /** Checks that every chunk arrived and queues the import, in one transaction with its job. */
  async finish(request: ImportFinishRequest): Promise<ImportView> {
    return this.dataSource.transaction(async (manager) => {
      const row = await this.imports.lock(manager, request.workspaceId, request.importId);
      if (!row) throw notFound(request.importId);
      if (row.status !== 'uploading') {
        // The same finish sent again (its answer was lost) finds the import queued or further on.
        if (row.status !== 'failed' && Number(row.bytes) === request.bytes && row.chunks === request.chunks) return importView(row);
        throw new AppException(ErrorCodes.importNotOpen, `Import ${request.importId} is ${row.status}`);
      }
      const stored = await this.imports.storedSize(manager, row.id);
      if (stored.chunks !== request.chunks || stored.bytes !== request.bytes) {
        throw new AppException(
          ErrorCodes.validationFailed,
          `the upload stored ${stored.chunks} chunks (${stored.bytes} bytes), not ${request.chunks} (${request.bytes} bytes)`,
        );
      }
      const queued = await this.imports.markQueued(manager, row.id, stored);
      const payload: ImportJobPayload = { importId: row.id };
      await this.jobs.add([{ kind: IMPORT_JOB_KIND, workspaceId: row.workspace_id, payload }], manager);
      return importView(queued);
    });
  }

  /** Gives an upload up: its chunks go and the import is failed with the reason. */
  async abort(request: ImportAbortRequest): Promise<ImportView> {
    return this.dataSource.transaction(async (manager) => {
      const row = await this.imports.lock(manager, request.workspaceId, request.importId);
      if (!row) throw notFound(request.importId);
      if (row.status !== 'uploading') return importView(row);
      return importView(await this.imports.fail(manager, row.id, { code: request.code, message: request.message }));
    });
  }

  async get(request: ByIdRequest): Promise<ImportView> {
    const row = await this.imports.find(request.workspaceId, request.id);
    if (!row) throw notFound(request.id);
    return importView(row);
  }

  list(request: ImportListRequest): Promise<Page<ImportView>> {
    return this.imports.list(request.workspaceId, request.cursor, request.limit, importView);
  }

  async issues(request: ImportIssuesRequest): Promise<ImportIssuePage> {
    const row = await this.imports.find(request.workspaceId, request.id);
    if (!row) throw notFound(request.id);
    const { items, more } = await this.imports.issues(row.id, request.kind, request.afterRow, request.limit);
    return { items, nextAfterRow: more ? (items.at(-1)?.row ?? null) : null };
  }
}
