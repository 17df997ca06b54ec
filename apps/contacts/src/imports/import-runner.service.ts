import { type ContactChangedData, EventTypes, type ImportMapping } from '@leadflow/contracts';
import { type Job, JobQueue, JobWorker, PermanentJobFailure } from '@leadflow/jobs';
import { type NewEvent, Outbox } from '@leadflow/messaging';
import { hashOfNormalizedIdentity } from '@leadflow/normalization';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { type IdentityClaim, ContactsRepository } from '../contacts/contacts.repository';
import { ErasedIdentitiesRepository } from '../contacts/erased-identities.repository';
import { type Identity, identityLockKey, type PersonalIdentityKind } from '../contacts/identity';
import { type CsvItem, CsvRowReader, RowTooLargeError } from './csv-rows';
import { type ColumnPlan, type ImportedContact, planColumns, readImportRow } from './import-row';
import { type ImportProgress, type ImportRow, ImportsRepository, type NewImportedContact, type NewImportIssue } from './imports.repository';

export const IMPORT_JOB_KIND = 'contacts.import';

export interface ImportJobPayload {
  importId: string;
}

export const IMPORT_OPTIONS = Symbol('IMPORT_OPTIONS');

export interface ImportOptions {
  /** Rows per transaction. */
  batchRows: number;
  /**
   * How long one job runs before it hands the rest to a new job (added in its last batch's
   * transaction): well inside the job lease, so that no other replica takes it over meanwhile.
   */
  sliceMs: number;
}

/** Where an import's reading stands: what the last committed batch recorded. */
interface Position {
  rowsDone: number;
  offset: number;
  header: string[] | null;
  plan: ColumnPlan | null;
}

/** Another runner committed a batch of this import: this one stops without writing. */
class ImportMovedOn extends Error {}

/**
 * Reads a stored CSV and creates its contacts, in batches of `batchRows` rows, one transaction
 * each, with a fixed number of statements per batch. Each batch commits its contacts, identities,
 * `contact.created` events, issues and the import's progress (rows read, the byte the next row
 * starts at) together, so a job that dies goes on from its last batch and creates no row twice.
 *
 * Deduplication: a row whose email or phone already identifies a contact (one created earlier,
 * by the pipeline or by this import's earlier rows) is a duplicate of it and changes nothing: the
 * import creates contacts, never edits them; the duplicate list names the contact. A row whose
 * email and phone identify two different contacts is an error (`identity_conflict`), never a merge.
 * Identities are locked with the pipeline's advisory locks, so a lead arriving meanwhile waits.
 *
 * A row with the email or phone of an erased person (GDPR) is an error (`identity_erased`) and makes
 * no contact; its issue keeps neither the row's text nor the value, so the import stores nothing of them.
 */
@Injectable()
export class ImportRunner implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly imports: ImportsRepository,
    private readonly contacts: ContactsRepository,
    private readonly erased: ErasedIdentitiesRepository,
    private readonly outbox: Outbox,
    private readonly jobs: JobQueue,
    private readonly worker: JobWorker,
    @Inject(IMPORT_OPTIONS) private readonly options: ImportOptions,
  ) {}

  onModuleInit(): void {
    this.worker.handle<ImportJobPayload>(IMPORT_JOB_KIND, (job) => this.runAttempt(job));
  }

  /** One attempt of an import job; the import fails with the job's last attempt, rather than stay `running`. */
  async runAttempt(job: Job<ImportJobPayload>): Promise<void> {
    const importId = job.payload?.importId;
    if (typeof importId !== 'string') throw new PermanentJobFailure('the job names no import');
    try {
      await this.run(importId);
    } catch (error) {
      if (job.attempt >= job.maxAttempts || error instanceof PermanentJobFailure) {
        const row = await this.imports.findById(importId);
        if (row) await this.failImport(row, { code: 'internal_error', message: 'the import stopped after repeated failures' });
      }
      throw error;
    }
  }

  /**
   * Goes on with an import from its last committed batch, for one slice of time (or to the end
   * when `sliceMs` is Infinity); returns whether the import is finished.
   */
  async run(importId: string, sliceMs = this.options.sliceMs): Promise<boolean> {
    const deadline = Date.now() + sliceMs;
    const row = await this.imports.findById(importId);
    if (!row || row.status === 'completed' || row.status === 'failed') return true;
    if (row.status === 'uploading') throw new PermanentJobFailure(`import ${importId} is still uploading`);
    if (row.status === 'queued') await this.imports.markRunning(this.dataSource.manager, importId);

    const position: Position = {
      rowsDone: Number(row.rows_done),
      offset: Number(row.resume_offset),
      header: row.header,
      plan: row.header ? this.plan(row.header, row.mapping) : null,
    };
    const reader = new CsvRowReader(position.offset, position.header ? position.rowsDone + 1 : 0);
    let pending: CsvItem[] = [];
    // One batch commits while the next is read and checked: the database and this process work at once.
    let committing: Promise<void> = Promise.resolve();
    const commit = async (batch: CsvItem[], plan: ColumnPlan, then: 'go on' | 'hand over' | 'finish'): Promise<void> => {
      const prepared = prepareBatch(batch, plan);
      await committing;
      committing = this.applyBatch(row, position, prepared, then);
      committing.catch(() => undefined);
    };
    try {
      let chunk = await this.imports.chunkAt(importId, position.offset);
      let skip = chunk ? position.offset - chunk.byteOffset : 0;
      while (chunk) {
        reader.write(skip > 0 ? chunk.data.subarray(skip) : chunk.data);
        skip = 0;
        pending.push(...reader.take());
        if (!position.plan && !(await this.readHeader(row, position, pending))) return true;
        while (position.plan && pending.length >= this.options.batchRows) {
          const cut = batchEnd(pending, this.options.batchRows);
          if (cut < 0) break;
          const handOver = Date.now() >= deadline;
          await commit(pending.splice(0, cut + 1), position.plan, handOver ? 'hand over' : 'go on');
          if (handOver) {
            await committing;
            return false;
          }
        }
        chunk = await this.imports.chunkAfter(importId, chunk.seq);
      }
      await reader.end();
      pending.push(...reader.take());
      if (!position.plan && !(await this.readHeader(row, position, pending))) return true;
      if (!position.plan) {
        await this.failImport(row, { code: 'empty_file', message: 'the file has no header row' });
        return true;
      }
      await commit(pending, position.plan, 'finish');
      await committing;
      pending = [];
      return true;
    } catch (error) {
      // A batch still committing ends before anything else is done to the import.
      await committing.catch(() => undefined);
      if (error instanceof ImportMovedOn) return true;
      if (error instanceof RowTooLargeError) {
        await this.failImport(row, { code: 'row_too_large', message: error.message });
        return true;
      }
      throw error;
    }
  }

  /** Takes the header off the first rows; false when the import cannot go on (and was failed). */
  private async readHeader(row: ImportRow, position: Position, pending: CsvItem[]): Promise<boolean> {
    const first = pending[0];
    if (!first) return true;
    if (first.kind === 'broken') {
      await this.failImport(row, { code: 'invalid_header', message: `the header row could not be read: ${first.message}` });
      return false;
    }
    const planned = planColumns(first.fields, row.mapping);
    if ('missing' in planned) {
      await this.failImport(row, {
        code: 'missing_columns',
        message: `the mapping names columns the file does not have: ${planned.missing.map((c) => `"${c}"`).join(', ')}`,
      });
      return false;
    }
    pending.shift();
    position.header = first.fields;
    position.plan = planned.plan;
    position.offset = first.endOffset;
    return true;
  }

  private plan(header: string[], mapping: ImportMapping | null): ColumnPlan {
    const planned = planColumns(header, mapping);
    if ('missing' in planned) throw new PermanentJobFailure('the stored header no longer fits the mapping');
    return planned.plan;
  }

  private async failImport(row: ImportRow, failure: { code: string; message: string }): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const locked = await this.imports.lock(manager, row.workspace_id, row.id);
      if (locked?.status === 'running' || locked?.status === 'queued') await this.imports.fail(manager, row.id, failure);
    });
  }

  /**
   * One batch in one transaction: the rows' identities locked and matched against those known now,
   * new contacts written with their identities and events, the rest recorded as issues, and the
   * import's position moved past the batch.
   */
  private async applyBatch(
    row: ImportRow,
    position: Position,
    batch: PreparedBatch,
    then: 'go on' | 'hand over' | 'finish',
  ): Promise<void> {
    const { items } = batch;
    const next = await this.dataSource.transaction(async (manager) => {
      const locked = await this.imports.lock(manager, row.workspace_id, row.id);
      if (
        !locked ||
        locked.status !== 'running' ||
        Number(locked.rows_done) !== position.rowsDone ||
        (locked.header !== null && Number(locked.resume_offset) !== position.offset)
      ) {
        throw new ImportMovedOn();
      }
      const outcome = await this.resolve(manager, row, batch);
      const lastRecord = items.at(lastRecordIndex(items));
      const progress: ImportProgress = {
        rowsDone: items.at(-1)?.row ?? position.rowsDone,
        resumeOffset: then === 'finish' ? Number(row.bytes) : lastRecord?.kind === 'record' ? lastRecord.endOffset : position.offset,
        created: outcome.created,
        duplicates: outcome.duplicates,
        errors: outcome.errors,
        header: locked.header === null ? (position.header ?? undefined) : undefined,
        status: then === 'finish' ? 'completed' : undefined,
      };
      if (then === 'finish') await this.imports.deleteChunks(manager, row.id);
      if (then === 'hand over') {
        const payload: ImportJobPayload = { importId: row.id };
        await this.jobs.add([{ kind: IMPORT_JOB_KIND, workspaceId: row.workspace_id, payload }], manager);
      }
      await this.imports.saveProgress(manager, row.id, progress);
      return progress;
    });
    position.rowsDone = next.rowsDone;
    position.offset = next.resumeOffset;
  }

  private async resolve(
    manager: EntityManager,
    row: ImportRow,
    batch: PreparedBatch,
  ): Promise<{ created: number; duplicates: number; errors: number }> {
    const workspaceId = row.workspace_id;
    const { plan, candidates } = batch;
    const issues = [...batch.issues];
    const identities = candidates.flatMap((candidate) => candidate.contact.identities);
    await this.contacts.lockKeys(
      manager,
      identities.map((identity) => identityLockKey(workspaceId, identity)),
    );
    const recorded = await this.contacts.identityOwners(
      manager,
      identities.map((identity) => ({ workspaceId, ...identity })),
    );
    const ownerOf = new Map(recorded.map((owner) => [identityKey(owner), owner.contactId]));
    const hashOf = (identity: Identity<PersonalIdentityKind>) => hashOfNormalizedIdentity(identity.kind, identity.value);
    const erased = await this.erased.erasedAmong(
      manager,
      identities.map((identity) => ({ workspaceId, hash: hashOf(identity) })),
    );

    const created: NewImportedContact[] = [];
    const claims: IdentityClaim[] = [];
    const events: NewEvent[] = [];
    let duplicates = 0;
    for (const candidate of candidates) {
      const { contact } = candidate;
      const erasedOnes = contact.identities.filter((identity) => erased.has(`${workspaceId}\u0000${hashOf(identity)}`));
      if (erasedOnes.length > 0) {
        const [first] = erasedOnes;
        issues.push({
          kind: 'error',
          row: candidate.row,
          ord: 0,
          column: first ? (plan.fields[first.kind]?.column ?? null) : null,
          code: 'identity_erased',
          message: `the ${erasedOnes.map((identity) => identity.kind).join(' and ')} belongs to an erased person: no contact is made`,
          contactId: null,
          raw: '',
        });
        continue;
      }
      const owners = new Map<string, Identity<PersonalIdentityKind>>();
      for (const identity of contact.identities) {
        const owner = ownerOf.get(identityKey(identity));
        if (owner !== undefined && !owners.has(owner)) owners.set(owner, identity);
      }
      if (owners.size > 1) {
        const described = [...owners].map(([owner, identity]) => `${identity.kind} ${identity.value} belongs to contact ${owner}`);
        issues.push({
          kind: 'error',
          row: candidate.row,
          ord: 0,
          column: null,
          code: 'identity_conflict',
          message: `${described.join(', ')}: rows are not merged`,
          contactId: null,
          raw: candidate.raw,
        });
        continue;
      }
      const [existing] = owners;
      if (existing) {
        const [contactId, identity] = existing;
        duplicates += 1;
        issues.push({
          kind: 'duplicate',
          row: candidate.row,
          ord: 0,
          column: plan.fields[identity.kind]?.column ?? null,
          code: 'duplicate',
          message: `${identity.kind} ${identity.value} already belongs to contact ${contactId}`,
          contactId,
          raw: candidate.raw,
        });
        continue;
      }
      const id = uuidv7();
      for (const identity of contact.identities) {
        ownerOf.set(identityKey(identity), id);
        claims.push({ workspaceId, identity, contactId: id });
      }
      created.push({ id, workspaceId, createdBy: row.created_by, ...contact });
      events.push({ type: EventTypes.contactCreated, workspaceId, correlationId: `import:${row.id}`, data: createdData(id, contact) });
    }

    await this.imports.insertContacts(manager, created);
    await this.contacts.insertIdentities(manager, claims);
    await this.outbox.addMany(manager, events);
    await this.imports.insertIssues(manager, row.id, issues);
    const errorRows = new Set(issues.filter((issue) => issue.kind === 'error').map((issue) => issue.row));
    return { created: created.length, duplicates, errors: errorRows.size };
  }
}

/** A batch's rows read and checked, before its transaction: the rows to import and the errors. */
interface PreparedBatch {
  items: CsvItem[];
  plan: ColumnPlan;
  issues: NewImportIssue[];
  candidates: Array<{ row: number; raw: string; contact: ImportedContact }>;
}

function prepareBatch(items: CsvItem[], plan: ColumnPlan): PreparedBatch {
  const issues: NewImportIssue[] = [];
  const candidates: PreparedBatch['candidates'] = [];
  for (const item of items) {
    if (item.kind === 'broken') {
      issues.push({
        kind: 'error',
        row: item.row,
        ord: 0,
        column: null,
        code: item.code,
        message: item.message,
        contactId: null,
        raw: item.raw,
      });
      continue;
    }
    const read = readImportRow(item.fields, plan);
    if ('problems' in read) {
      read.problems.forEach((problem, ord) =>
        issues.push({ kind: 'error', row: item.row, ord, ...problem, contactId: null, raw: item.raw }),
      );
    } else candidates.push({ row: item.row, raw: item.raw, contact: read.contact });
  }
  return { items, plan, issues, candidates };
}

function identityKey(identity: Identity): string {
  return `${identity.kind}\u0000${identity.value}`;
}

/** Where a batch of about `size` rows ends: on a read record, so that the next batch starts at a known byte. */
function batchEnd(items: readonly CsvItem[], size: number): number {
  const within = lastRecordIndex(items.slice(0, size));
  if (within >= 0) return within;
  return items.findIndex((item) => item.kind === 'record');
}

function lastRecordIndex(items: readonly CsvItem[]): number {
  for (let i = items.length - 1; i >= 0; i -= 1) if (items[i]?.kind === 'record') return i;
  return -1;
}

function createdData(contactId: string, contact: ImportedContact): ContactChangedData {
  return {
    contactId,
    email: contact.email,
    phone: contact.phone,
    firstName: contact.firstName,
    lastName: contact.lastName,
    country: contact.country,
  };
}
