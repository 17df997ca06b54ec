import {
  AppException,
  AUTOMATION_BACKFILL_TRIGGER,
  type AutomationBackfillView,
  type AutomationRunView,
  type AutomationView,
  type AutomationWriteReply,
  decodeCursor,
  ErrorCodes,
  isUuid,
  type Page,
  pageOf,
} from '@leadflow/contracts';
import { type Job, JobQueue, JobWorker, PermanentJobFailure } from '@leadflow/jobs';
import { ConsumerDemand } from '@leadflow/messaging';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { type AutomationBody, automationFromBody } from './automation-body';
import { AutomationEngineService } from './automation-engine.service';
import { AutomationRepository, type BackfillRow, type RunRow, type StoredAutomation } from './automation.repository';

export const AUTOMATION_BACKFILL_JOB_KIND = 'scoring.automation_backfill';
export const AUTOMATION_BACKFILL_BATCH = Symbol('AUTOMATION_BACKFILL_BATCH');

export function automationView(automation: StoredAutomation): AutomationView {
  return {
    id: automation.id,
    name: automation.name,
    trigger: automation.trigger,
    conditions: automation.conditions,
    actions: automation.actions,
    enabled: automation.enabled,
    cooldownSeconds: automation.cooldownSeconds,
    version: automation.version,
    createdAt: automation.createdAt.toISOString(),
    updatedAt: automation.updatedAt.toISOString(),
  };
}

function conflict(current: StoredAutomation): AutomationWriteReply {
  return { outcome: 'version_conflict', automation: null, before: null, current: automationView(current) };
}

function runView(row: RunRow): AutomationRunView {
  return {
    id: row.id,
    automationId: row.automation_id,
    contactId: row.contact_id,
    trigger: row.trigger,
    occurrenceId: row.occurrence_id,
    outcome: row.outcome,
    actions: row.actions,
    error: row.error,
    createdAt: row.created_at.toISOString(),
  };
}

function backfillView(row: BackfillRow): AutomationBackfillView {
  return {
    automationId: row.automation_id,
    status: row.status,
    processed: row.processed,
    total: row.total,
    matched: row.matched,
    startedAt: row.started_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

function automationId(id: string): string {
  if (!isUuid(id.toLowerCase())) throw new AppException(ErrorCodes.invalidId, 'id must be an automation id (UUID)');
  return id.toLowerCase();
}

function cursorId(cursor: string | undefined): string | null {
  if (cursor === undefined) return null;
  const id = decodeCursor(cursor);
  if (!id) throw new AppException(ErrorCodes.invalidCursor, 'cursor is not one of ours');
  return id;
}

/**
 * The admin side of automations: create, change, delete, read their run logs, and backfill: run an
 * automation once for each contact that already matches, as a background job that walks the
 * workspace's contacts in id order, a batch per transaction with its progress (a retried job resumes
 * where it stopped, and each contact's run is keyed `backfill:<automation>:<contact>`).
 */
@Injectable()
export class AutomationsAdminService implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repository: AutomationRepository,
    private readonly engine: AutomationEngineService,
    private readonly queue: JobQueue,
    private readonly worker: JobWorker,
    @Inject(AUTOMATION_BACKFILL_BATCH) private readonly batchSize: number,
    private readonly demand: ConsumerDemand,
  ) {}

  onModuleInit(): void {
    this.worker.handle<{ workspaceId: string; automationId: string }>(AUTOMATION_BACKFILL_JOB_KIND, (job) => this.runBackfill(job));
  }

  async list(workspaceId: string, query: { cursor?: string; limit: number }): Promise<Page<AutomationView>> {
    const rows = await this.repository.list(this.dataSource.manager, workspaceId, cursorId(query.cursor), query.limit + 1);
    return pageOf(rows, query.limit, automationView);
  }

  async get(workspaceId: string, id: string): Promise<AutomationView> {
    return automationView(await this.found(this.dataSource.manager, workspaceId, automationId(id)));
  }

  async create(workspaceId: string, body: AutomationBody, runForExisting = false): Promise<AutomationWriteReply> {
    const definition = automationFromBody(body);
    const reply = await this.dataSource.transaction(async (manager) => {
      const automation = await this.repository.insert(manager, workspaceId, uuidv7(), definition);
      const backfill = runForExisting ? await this.backfillIn(manager, workspaceId, automation.id) : null;
      return { automation: automationView(automation), before: null, backfill };
    });
    // Whether an automation wants contacts made from leads may have changed (see AutomationEventsHandler).
    this.demand.changed();
    return reply;
  }

  /** A change; with `ifMatch`, only from one of those versions (else `version_conflict` with the automation as it is). */
  async patch(workspaceId: string, id: string, body: AutomationBody, ifMatch?: readonly number[]): Promise<AutomationWriteReply> {
    const key = automationId(id);
    const reply = await this.dataSource.transaction(async (manager) => {
      const before = await this.found(manager, workspaceId, key, true);
      if (ifMatch && !ifMatch.includes(before.version)) return conflict(before);
      const automation = await this.repository.update(manager, workspaceId, key, automationFromBody(body, before));
      return { automation: automationView(automation), before: automationView(before) };
    });
    this.demand.changed();
    return reply;
  }

  async delete(workspaceId: string, id: string, ifMatch?: readonly number[]): Promise<AutomationWriteReply> {
    const key = automationId(id);
    const reply = await this.dataSource.transaction(async (manager) => {
      const before = await this.found(manager, workspaceId, key, true);
      if (ifMatch && !ifMatch.includes(before.version)) return conflict(before);
      await this.repository.delete(manager, workspaceId, key);
      return { automation: null, before: automationView(before) };
    });
    this.demand.changed();
    return reply;
  }

  async runs(workspaceId: string, id: string, query: { cursor?: string; limit: number }): Promise<Page<AutomationRunView>> {
    const key = automationId(id);
    const before = cursorId(query.cursor);
    await this.found(this.dataSource.manager, workspaceId, key);
    const rows = await this.repository.runsOf(this.dataSource.manager, workspaceId, key, before, query.limit + 1);
    return pageOf(rows, query.limit, runView);
  }

  /** Starts the backfill of an automation; a second call answers the backfill started by the first. */
  async startBackfill(workspaceId: string, id: string): Promise<AutomationBackfillView> {
    const key = automationId(id);
    return this.dataSource.transaction(async (manager) => {
      await this.found(manager, workspaceId, key, true);
      return this.backfillIn(manager, workspaceId, key);
    });
  }

  async backfill(workspaceId: string, id: string): Promise<AutomationBackfillView> {
    const key = automationId(id);
    const row = await this.repository.findBackfill(this.dataSource.manager, workspaceId, key);
    if (!row) throw new AppException(ErrorCodes.notFound, `automation ${key} has no backfill`);
    return backfillView(row);
  }

  /** One attempt of a backfill: batches until the contacts run out, each with its progress. */
  async runBackfill(job: Job<{ workspaceId: string; automationId: string }>): Promise<void> {
    const { workspaceId, automationId: id } = job.payload;
    for (;;) {
      const finished = await this.dataSource.transaction(async (manager) => {
        const backfill = await this.repository.findBackfill(manager, workspaceId, id, true);
        if (!backfill) throw new PermanentJobFailure(`the backfill of automation ${id} is gone`);
        if (backfill.status === 'done') return true;
        const automation = await this.repository.find(manager, workspaceId, id);
        const ids = automation?.enabled
          ? await this.repository.nextLiveContacts(manager, workspaceId, backfill.after_contact_id, this.batchSize)
          : [];
        if (!automation || ids.length === 0) {
          // Done, or the automation was deleted or disabled meanwhile: it runs for no one more.
          await this.repository.backfillProgress(manager, id, {
            processed: 0,
            matched: 0,
            afterContactId: backfill.after_contact_id,
            status: 'done',
          });
          return true;
        }
        const facts = await this.repository.contactFacts(manager, workspaceId, ids);
        const history = await this.repository.backfillFacts(manager, workspaceId, ids);
        const sent =
          automation.trigger.type === 'event_received'
            ? await this.repository.sentEvent(manager, workspaceId, ids, automation.trigger.event as string)
            : new Set<string>();
        const at = new Date().toISOString();
        let matched = 0;
        for (const contactId of ids) {
          const contact = {
            ...(facts.get(contactId) ?? { score: null, stage: null, fields: null }),
            ...history.get(contactId),
            sentEvent: sent.has(contactId),
          };
          const ran = await this.engine.runOne(
            manager,
            automation,
            {
              workspaceId,
              occurrenceId: `${AUTOMATION_BACKFILL_TRIGGER}:${id}:${contactId}`,
              kind: 'backfill',
              contactId,
              at,
              data: { contactId, score: contact.score, stage: contact.stage },
            },
            contact,
          );
          if (ran) matched += 1;
        }
        await this.repository.backfillProgress(manager, id, {
          processed: ids.length,
          matched,
          afterContactId: ids[ids.length - 1] as string,
          status: 'running',
        });
        return false;
      });
      if (finished) return;
    }
  }

  private async backfillIn(manager: EntityManager, workspaceId: string, id: string): Promise<AutomationBackfillView> {
    const total = await this.repository.countLiveContacts(manager, workspaceId);
    if (await this.repository.insertBackfill(manager, workspaceId, id, total)) {
      await this.queue.add([{ kind: AUTOMATION_BACKFILL_JOB_KIND, workspaceId, payload: { workspaceId, automationId: id } }], manager);
    }
    return backfillView((await this.repository.findBackfill(manager, workspaceId, id)) as BackfillRow);
  }

  private async found(manager: EntityManager, workspaceId: string, id: string, lock = false): Promise<StoredAutomation> {
    const automation = await this.repository.find(manager, workspaceId, id, lock);
    if (!automation) throw new AppException(ErrorCodes.notFound, `no automation ${id}`);
    return automation;
  }
}
