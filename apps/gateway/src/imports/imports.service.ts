import {
  AppException,
  ErrorCodes,
  IMPORT_CHUNK_BYTES,
  type ImportIssueKind,
  type ImportIssuePage,
  type ImportMapping,
  type ImportView,
  mappingProblems,
  type Page,
  RpcSubjects,
} from '@leadflow/contracts';
import { RpcClient } from '@leadflow/messaging';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { stringify } from 'csv-stringify';
import { Readable } from 'node:stream';
import type { DataSource } from 'typeorm';
import { AuditLogService } from '../audit/audit-log.service';
import type { Principal } from '../auth/principal';
import { GatewayEnv } from '../config/env';

/** Chunks can take a while to store under load; a slow answer must not fail an upload. */
const CHUNK_TIMEOUT_MS = 30_000;
/** After the limit, this much more of a body is read and dropped so that the client reads the 413 (then the connection closes). */
const DRAIN_AFTER_LIMIT_BYTES = 16 * 1024 * 1024;
const ISSUES_PER_PAGE = 1000;
/** Chunk requests out at once for one upload: one stored while the next travels; each holds about 2 MiB until answered. */
const CHUNKS_IN_FLIGHT = 2;

export interface UploadRequest {
  body: Readable;
  declaredBytes: number | undefined;
  mapping: string | undefined;
  fileName: string | undefined;
}

/** Thrown with the 413 when the client may still be sending: the answer closes the connection. */
export class UploadTooLarge extends AppException {
  constructor(
    limit: number,
    readonly drained: boolean,
  ) {
    super(ErrorCodes.payloadTooLarge, `The file is larger than ${limit} bytes`);
  }
}

/** Reads the `mapping` query parameter: absent for the default, else a JSON object of known fields (400 `invalid_mapping`). */
export function parseMapping(text: string | undefined): ImportMapping | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new AppException(ErrorCodes.invalidMapping, 'mapping must be a JSON object of column → field');
  }
  const problems = mappingProblems(parsed);
  if (problems.length > 0) throw new AppException(ErrorCodes.invalidMapping, problems.join('; '));
  return parsed as ImportMapping;
}

/**
 * CSV imports through the gateway: the request body is streamed to contacts in chunks of at most
 * 512 KiB (one NATS request each, at most two out at once; the body is read no faster than they
 * are stored), so that the gateway holds a few chunks of a file of up to 100 MB; the import is queued once contacts stored the
 * last chunk, and its creation is audited.
 */
@Injectable()
export class ImportsService {
  constructor(
    private readonly rpc: RpcClient,
    private readonly audit: AuditLogService,
    private readonly env: GatewayEnv,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async upload(caller: Principal, request: UploadRequest): Promise<ImportView> {
    const limit = this.env.IMPORT_MAX_BYTES;
    // Checked before anything is stored.
    const mapping = parseMapping(request.mapping);
    if (request.declaredBytes !== undefined && request.declaredBytes > limit) throw new UploadTooLarge(limit, false);
    const workspaceId = caller.workspaceId;
    const opened = await this.rpc.request<ImportView>(RpcSubjects.contacts.importStart, {
      workspaceId,
      createdBy: caller.actor,
      mapping,
      fileName: request.fileName,
    });
    let stored: { chunks: number; bytes: number };
    try {
      stored = await this.sendChunks(workspaceId, opened.id, request.body, limit);
      if (stored.bytes === 0) throw new AppException(ErrorCodes.invalidPayload, 'The file is empty');
    } catch (error) {
      const failure = error instanceof AppException ? error : new AppException(ErrorCodes.unavailable, 'The upload was interrupted');
      await this.rpc
        .request(RpcSubjects.contacts.importAbort, { workspaceId, importId: opened.id, code: failure.code, message: failure.message })
        .catch(() => undefined);
      throw error;
    }
    const queued = await this.rpc.request<ImportView>(RpcSubjects.contacts.importFinish, {
      workspaceId,
      importId: opened.id,
      ...stored,
    });
    await this.dataSource.transaction((manager) =>
      this.audit.record(manager, caller, {
        workspaceId,
        action: 'import.create',
        target: `import:${queued.id}`,
        after: { id: queued.id, fileName: queued.fileName, bytes: queued.bytes, mapping: queued.mapping },
      }),
    );
    return queued;
  }

  /**
   * Streams the body to contacts in full chunks, a few in flight (each names its place in the file),
   * so the body is read only as fast as it is stored.
   */
  private async sendChunks(
    workspaceId: string,
    importId: string,
    body: Readable,
    limit: number,
  ): Promise<{ chunks: number; bytes: number }> {
    let seq = 0;
    let offset = 0;
    let held: Buffer[] = [];
    let heldBytes = 0;
    const inFlight = new Set<Promise<void>>();
    let failure: { error: unknown } | undefined;
    const send = async (data: Buffer): Promise<void> => {
      while (inFlight.size >= CHUNKS_IN_FLIGHT && !failure) await Promise.race(inFlight);
      if (failure) throw failure.error;
      const sent: Promise<void> = this.rpc
        .request(
          RpcSubjects.contacts.importChunk,
          { workspaceId, importId, seq, offset, data: data.toString('base64') },
          { timeoutMs: CHUNK_TIMEOUT_MS },
        )
        .then(
          () => undefined,
          (error: unknown) => {
            failure ??= { error };
          },
        )
        .finally(() => inFlight.delete(sent));
      inFlight.add(sent);
      seq += 1;
      offset += data.length;
    };
    const pieces = (body as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    for (let next = await pieces.next(); !next.done; next = await pieces.next()) {
      const piece = next.value;
      if (offset + heldBytes + piece.length > limit) {
        await Promise.all(inFlight);
        throw new UploadTooLarge(limit, await drain(pieces, DRAIN_AFTER_LIMIT_BYTES));
      }
      held.push(piece);
      heldBytes += piece.length;
      if (heldBytes < IMPORT_CHUNK_BYTES) continue;
      const joined = Buffer.concat(held);
      let at = 0;
      for (; joined.length - at >= IMPORT_CHUNK_BYTES; at += IMPORT_CHUNK_BYTES) await send(joined.subarray(at, at + IMPORT_CHUNK_BYTES));
      held = at < joined.length ? [joined.subarray(at)] : [];
      heldBytes = joined.length - at;
    }
    if (heldBytes > 0) await send(Buffer.concat(held));
    await Promise.all(inFlight);
    if (failure) throw failure.error;
    return { chunks: seq, bytes: offset };
  }

  get(workspaceId: string, id: string): Promise<ImportView> {
    return this.rpc.request(RpcSubjects.contacts.importGet, { workspaceId, id });
  }

  list(workspaceId: string, limit: number, cursor: string | undefined): Promise<Page<ImportView>> {
    return this.rpc.request(RpcSubjects.contacts.importList, { workspaceId, limit, cursor });
  }

  issues(workspaceId: string, id: string, kind: ImportIssueKind, afterRow: number, limit: number): Promise<ImportIssuePage> {
    return this.rpc.request(RpcSubjects.contacts.importIssues, { workspaceId, id, kind, afterRow, limit });
  }

  /**
   * The error report as CSV (row, column, code, message, the original row), read from contacts a
   * page at a time while it is sent. An unknown import is a 404 before anything is sent.
   */
  async errorReport(workspaceId: string, id: string): Promise<Readable> {
    const first = await this.issues(workspaceId, id, 'error', 0, ISSUES_PER_PAGE);
    const rows = async function* (service: ImportsService): AsyncGenerator<Array<string | number>> {
      let page = first;
      for (;;) {
        for (const issue of page.items) yield [issue.row, issue.column ?? '', issue.code, issue.message, issue.raw];
        if (page.nextAfterRow === null) return;
        page = await service.issues(workspaceId, id, 'error', page.nextAfterRow, ISSUES_PER_PAGE);
      }
    };
    const report = stringify({ header: true, columns: ['row', 'column', 'code', 'message', 'original_row'] });
    Readable.from(rows(this))
      .on('error', (error) => report.destroy(error))
      .pipe(report);
    return report;
  }
}

/** Reads and drops up to `max` more bytes of a body; true when it ended within them. */
async function drain(pieces: AsyncIterator<Buffer>, max: number): Promise<boolean> {
  let dropped = 0;
  for (let next = await pieces.next(); !next.done; next = await pieces.next()) {
    dropped += next.value.length;
    if (dropped > max) return false;
  }
  return true;
}
