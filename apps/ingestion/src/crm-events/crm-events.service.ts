import {
  AppException,
  type CanonicalCrmEvent,
  type CrmEventListQuery,
  type CrmEventProcessedData,
  type CrmEventReceivedData,
  type CrmEventType,
  type CrmEventView,
  type CrmIntegrationRef,
  type CrmIntegrationStatusView,
  crmObjectType,
  ErrorCodes,
  EventTypes,
  type Page,
  type ReplayCrmEventsReply,
  type ReplayCrmEventsRequest,
  type RetryCrmEventRequest,
  type SetCrmIntegrationPausedReply,
  type SetCrmIntegrationPausedRequest,
  type StoreCrmWebhookReply,
  type StoreCrmWebhookRequest,
  type StoredCrmBatchEvent,
} from '@leadflow/contracts';
import { type Job, JobQueue, JobWorker, Scheduler } from '@leadflow/jobs';
import { APP_LOGGER, currentRequestId } from '@leadflow/logging';
import { decodeBody, encodeBody, type EventBatch, type NewEvent, Outbox } from '@leadflow/messaging';
import { isDependencyOutage } from '@leadflow/runtime';
import { Inject, Injectable, type OnModuleInit, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Logger as PinoLogger } from 'pino';
import { Counter, Registry } from 'prom-client';
import type { DataSource, EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { LeadIntakeService } from '../leads/lead-intake.service';
import { CRM_EVENT_OPTIONS, type CrmEventOptions } from './crm-event-options';
import {
  type CrmEventChange,
  type CrmEventRow,
  CrmEventsRepository,
  type CrmOutcomeRow,
  type CrmSettledOutcome,
  type NewCrmEvent,
} from './crm-events.repository';
import { CrmPartitionsService } from './crm-partitions.service';
import { type CrmPayloadReading, HUBSPOT_MAX_BATCH, jsonArrayItems, readCrmPayload, webhookDedupKey } from './crm-payload';

export const CRM_RETRY_JOB = 'crm.event.retry';
export const CRM_LEAD_SWEEP_SCHEDULE = 'ingestion.crm-lead-sweep';
/** The most events one replay hands on (a wider range is replayed in several calls). */
const MAX_REPLAY = 10_000;
/** The most bytes of a refused webhook kept for audit. */
const MAX_REJECTED_BODY = 64 * 1024;
/** Lead events stored but not applied this long ago (a stop between the two steps) are applied by the sweep. */
const LEAD_SWEEP_AFTER_MS = 60_000;

const LEAD_APPLIED_TYPES: ReadonlySet<string> = new Set(['lead.created', 'lead.updated']);

/** An outcome of applying an event, as contacts reports it. */
type CrmOutcome = Pick<CrmEventProcessedData, 'status' | 'reason' | 'error' | 'retryable' | 'recordId'>;

/** What an event hands on after the transaction that stored or released it commits. */
type AfterCommit = { applyLead: { integrationId: string; eventId: string } } | null;

/**
 * The CRM event log: every webhook the gateway verified is stored (raw bytes, headers, the event
 * read from them) in its event-time partition, with its replay key, before it is answered; refused
 * ones are kept for audit. Contact, opportunity and conversion events go to contacts as
 * `crm_event.received` in the transaction that stores them (held while the integration is
 * paused); lead events are stored as leads here, through the raw-first lead path. Outcomes come
 * back as `crm_event.processed`; retryable failures are retried with backoff, then dead-lettered.
 */
@Injectable()
export class CrmEventsService implements OnModuleInit {
  private readonly outcomes: Counter<'integration' | 'outcome'> | undefined;
  /** Integrations ingestion has a row for (rows are never deleted). */
  private readonly knownIntegrations = new Set<string>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repository: CrmEventsRepository,
    private readonly partitions: CrmPartitionsService,
    private readonly outbox: Outbox,
    private readonly leads: LeadIntakeService,
    private readonly queue: JobQueue,
    private readonly worker: JobWorker,
    private readonly scheduler: Scheduler,
    @Inject(CRM_EVENT_OPTIONS) private readonly options: CrmEventOptions,
    @Inject(APP_LOGGER) private readonly logger: PinoLogger,
    @Optional() registry?: Registry,
  ) {
    this.outcomes = registry
      ? new Counter({
          name: 'crm_events_total',
          help: 'CRM webhooks and events by integration and outcome (stored, replay, rejected, processed, skipped, failed, dead_letter)',
          labelNames: ['integration', 'outcome'] as const,
          registers: [registry],
        })
      : undefined;
  }

  onModuleInit(): void {
    this.worker.handle<{ integrationId: string; eventId: string; attempts: number }>(CRM_RETRY_JOB, (job) => this.retryJob(job));
    this.scheduler.add({ name: CRM_LEAD_SWEEP_SCHEDULE, intervalMs: LEAD_SWEEP_AFTER_MS, run: () => this.sweepLeadEvents() });
  }

  async store(request: StoreCrmWebhookRequest): Promise<StoreCrmWebhookReply> {
    const { integration, verification } = request;
    const receivedAt = new Date(request.receivedAt);
    let bytes: Buffer;
    try {
      bytes = decodeBody(request.body);
    } catch {
      throw new AppException(ErrorCodes.invalidPayload, 'The body could not be decoded');
    }
    if (!verification.ok) {
      await this.dataSource.transaction((manager) =>
        this.repository.addRejected(
          manager,
          {
            id: uuidv7(),
            integrationId: integration.id,
            workspaceId: integration.workspaceId,
            receivedAt,
            code: verification.code,
            reason: verification.reason.slice(0, 1000),
            headers: request.headers,
            body: bytes.subarray(0, MAX_REJECTED_BODY),
            bodyBytes: bytes.length,
            requestId: request.requestId,
          },
          this.options.rejectedCap,
        ),
      );
      this.count(integration.id, 'rejected');
      return { outcome: 'rejected', eventId: null };
    }

    if (!this.knownIntegrations.has(integration.id)) {
      await this.repository.ensureIntegration(integration.id, integration.workspaceId, integration.paused);
      this.knownIntegrations.add(integration.id);
    }
    const items = integration.kind === 'hubspot' ? jsonArrayItems(bytes) : null;
    if (items !== null && items.length > 0) return this.storeBatch(request, items, receivedAt);
    const reading = readCrmPayload(bytes, integration.kind, integration.mapping, receivedAt);
    return this.storeReading(request, reading, webhookDedupKey(verification.webhookId, reading.webhookId, bytes), bytes, receivedAt);
  }

  /**
   * A HubSpot request: each item is an event of its own (its bytes, its eventId as replay key, its
   * type, record and time), stored in event-time order. Each is stored and recognized on its own,
   * so a request resent after a partial store stores only what is missing. Items beyond
   * `HUBSPOT_MAX_BATCH` and items that cannot be read are stored as failed with the reason.
   */
  private async storeBatch(request: StoreCrmWebhookRequest, items: Buffer[], receivedAt: Date): Promise<StoreCrmWebhookReply> {
    const { integration } = request;
    const readings = items.map((item, index) => {
      const position = `Item ${index + 1} of ${items.length}`;
      if (index >= HUBSPOT_MAX_BATCH) {
        const error = `${position}: HubSpot sends at most ${HUBSPOT_MAX_BATCH} events a request; send this one again in another`;
        // Keyed by its bytes, not its eventId, so that the event sent again in a request of its own is stored.
        return { item, index, reading: { outcome: 'unreadable', error, type: null, webhookId: null } as CrmPayloadReading };
      }
      const reading = readCrmPayload(item, integration.kind, integration.mapping, receivedAt);
      return {
        item,
        index,
        reading: reading.outcome === 'unreadable' ? { ...reading, error: `${position}: ${reading.error}`.slice(0, 1000) } : reading,
      };
    });
    const at = (reading: CrmPayloadReading) => (reading.outcome === 'unreadable' ? receivedAt : reading.eventAt).getTime();
    const stored: StoredCrmBatchEvent[] = new Array<StoredCrmBatchEvent>(items.length);
    // Stable: items of one time keep the request's order.
    for (const { item, index, reading } of [...readings].sort((a, b) => at(a.reading) - at(b.reading) || a.index - b.index)) {
      const reply = await this.storeReading(request, reading, webhookDedupKey(null, reading.webhookId, item), item, receivedAt);
      stored[index] = {
        eventId: reply.eventId,
        externalEventId: reading.webhookId,
        replayed: reply.outcome === 'replay',
        error: reading.outcome === 'unreadable' ? reading.error : null,
      };
    }
    const replayed = stored.every((event) => event.replayed);
    return { outcome: replayed ? 'replay' : 'stored', eventId: stored[0]?.eventId ?? null, events: stored };
  }

  /** Stores one event as read (or why it could not be), unless its key was taken: then the event that holds it. */
  private async storeReading(
    request: StoreCrmWebhookRequest,
    reading: CrmPayloadReading,
    dedupKey: string,
    bytes: Buffer,
    receivedAt: Date,
  ): Promise<StoreCrmWebhookReply> {
    const { integration } = request;
    const eventAt = reading.outcome === 'unreadable' ? receivedAt : reading.eventAt;
    await this.partitions.ensure(eventAt);
    const row: NewCrmEvent = {
      id: uuidv7(),
      integrationId: integration.id,
      workspaceId: integration.workspaceId,
      kind: integration.kind,
      dedupKey,
      externalEventId: (request.verification.ok ? request.verification.webhookId : null) ?? reading.webhookId,
      type: reading.outcome === 'event' ? reading.event.type : reading.type,
      externalId: reading.outcome === 'event' ? reading.event.externalId : reading.outcome === 'unsupported' ? reading.externalId : null,
      sourceUpdatedAt: reading.outcome === 'event' ? reading.event.sourceUpdatedAt : null,
      eventAt,
      receivedAt,
      headers: request.headers,
      body: bytes,
      fields: reading.outcome === 'event' ? reading.event.fields : null,
      status: reading.outcome === 'event' ? 'received' : reading.outcome === 'unsupported' ? 'skipped' : 'failed',
      reason: reading.outcome === 'unsupported' ? 'unsupported_type' : null,
      error: reading.outcome === 'unreadable' ? reading.error : null,
      requestId: request.requestId,
    };
    const event = reading.outcome === 'event' ? reading.event : null;
    if (event && (LEAD_APPLIED_TYPES.has(event.type) || event.type === 'lead.converted')) {
      return this.storeLeadEvent(row, event, integration);
    }
    // Everything else is one statement: the key, the event, its staging row and its crm_event.received.
    const published = await this.outbox.addManyWith(
      this.dataSource.manager,
      this.repository.storeStatement(row, event ? crmObjectType(event.type) : null, event !== null),
      event ? [{ key: row.id, event: receivedEvent({ ...rowOf(row), attempts: 0 }, event, null) }] : [],
    );
    if (!published.has(row.id)) {
      const holder = await this.repository.eventOfKey(integration.id, row.dedupKey);
      if (holder !== row.id) {
        this.count(integration.id, 'replay');
        return { outcome: 'replay', eventId: holder ?? null };
      }
    }
    this.count(integration.id, 'stored');
    if (row.status !== 'received') this.count(integration.id, row.status);
    return { outcome: 'stored', eventId: row.id };
  }

  /** A lead event: stored in a transaction, then (unless paused) stored as a lead or handed on as a conversion. */
  private async storeLeadEvent(row: NewCrmEvent, event: CanonicalCrmEvent, integration: CrmIntegrationRef): Promise<StoreCrmWebhookReply> {
    const stored = await this.dataSource.transaction(async (manager) => {
      const paused = await this.repository.lockIntegration(manager, integration.id, integration.workspaceId, integration.paused);
      const key = await this.repository.claimKey(manager, row);
      if (!key.claimed) return { replayOf: key.eventId, after: null };
      // The log before its staging table, in the order month partitions are made.
      await this.repository.insert(manager, { ...row, held: paused, attempts: 0, leadId: null });
      await this.repository.insertStaging(manager, crmObjectType(event.type), row);
      if (paused) return { replayOf: null, after: null };
      return { replayOf: null, after: await this.handOn(manager, { ...rowOf(row), attempts: 0 }, event, false) };
    });
    if (stored.replayOf !== null) {
      this.count(integration.id, 'replay');
      return { outcome: 'replay', eventId: stored.replayOf };
    }
    this.count(integration.id, 'stored');
    await this.afterCommit(stored.after);
    return { outcome: 'stored', eventId: row.id };
  }

  list(query: CrmEventListQuery): Promise<Page<CrmEventView>> {
    return this.repository.list(query);
  }

  /** Pauses (events are stored and held) or resumes (held events are handed on in event-time order). */
  async setPaused(request: SetCrmIntegrationPausedRequest): Promise<SetCrmIntegrationPausedReply> {
    const { integration, paused } = request;
    const after: AfterCommit[] = [];
    const released = await this.dataSource.transaction(async (manager) => {
      await this.repository.setPaused(manager, integration.id, integration.workspaceId, paused);
      if (paused) return 0;
      const held = await this.repository.lockHeld(manager, integration.id);
      for (const row of held) after.push(await this.handOn(manager, row, canonicalOf(row), false));
      return held.length;
    });
    for (const step of after) await this.afterCommit(step);
    return { paused, released };
  }

  /** Hands one failed event on again, re-read from its raw bytes with the integration's current mapping. */
  async retry(request: RetryCrmEventRequest): Promise<CrmEventView> {
    const { integration, eventId } = request;
    const after = await this.dataSource.transaction(async (manager) => {
      const row = await this.repository.lock(manager, integration.id, eventId);
      if (!row || row.workspace_id !== integration.workspaceId) throw new AppException(ErrorCodes.notFound, `no event ${eventId}`);
      if (row.status !== 'failed') {
        throw new AppException(ErrorCodes.eventNotRetryable, `event ${eventId} is ${row.status}; only a failed event is retried`);
      }
      const paused = await this.repository.lockIntegration(manager, integration.id, integration.workspaceId, integration.paused);
      return this.reread(manager, row, integration, paused);
    });
    await this.afterCommit(after);
    const view = await this.repository.find(integration.id, eventId);
    if (!view) throw new AppException(ErrorCodes.notFound, `no event ${eventId}`);
    return view;
  }

  /** Re-reads and hands on the events received in [from, to) (of a status), in event-time order. */
  async replay(request: ReplayCrmEventsRequest): Promise<ReplayCrmEventsReply> {
    const { integration } = request;
    const after: AfterCommit[] = [];
    const replayed = await this.dataSource.transaction(async (manager) => {
      const paused = await this.repository.lockIntegration(manager, integration.id, integration.workspaceId, integration.paused);
      const rows = await this.repository.lockRange(
        manager,
        integration.id,
        { from: new Date(request.from), to: new Date(request.to), status: request.status },
        MAX_REPLAY,
      );
      for (const row of rows) after.push(await this.reread(manager, row, integration, paused));
      return rows.length;
    });
    for (const step of after) await this.afterCommit(step);
    return { replayed };
  }

  async status(integration: CrmIntegrationRef): Promise<CrmIntegrationStatusView> {
    const now = new Date();
    const status = await this.repository.status(integration.id, now);
    return {
      integrationId: integration.id,
      paused: await this.repository.isPaused(integration.id),
      lagSeconds: status.oldestWaiting ? Math.max(0, Math.round((now.getTime() - status.oldestWaiting.getTime()) / 1000)) : 0,
      lastEventAt: status.last?.toISOString() ?? null,
      lastHour: status.lastHour,
      lastDay: status.lastDay,
      rejectedLastDay: await this.repository.rejectedSince(integration.id, new Date(now.getTime() - 86_400_000)),
      deadLettered: status.deadLettered,
    };
  }

  /** What contacts did with an event: its status, and a retry later (or a dead letter) for a failure. */
  /**
   * Records contacts' outcomes: the events are locked and updated with one statement each for the
   * batch. An outcome of an earlier delivery than the event's last changes nothing; a retryable
   * failure with attempts left is retried later (a job), the last failure is dead-lettered.
   */
  async onProcessed(events: EventBatch<typeof EventTypes.crmEventProcessed>, manager: EntityManager): Promise<void> {
    const rows = await this.repository.lockForOutcomes(
      manager,
      events.map(({ data }) => ({ integrationId: data.integrationId, eventId: data.crmEventId })),
    );
    const byId = new Map(rows.map((row) => [row.id, row]));
    // The last outcome of an event in the batch is the one that stands.
    const latest = new Map<string, { row: CrmOutcomeRow; outcome: CrmOutcome }>();
    for (const { data } of events) {
      const row = byId.get(data.crmEventId.toLowerCase());
      if (row && row.attempts === data.attempt) latest.set(row.id, { row, outcome: data });
    }
    await this.settle(manager, [...latest.values()]);
  }

  /** Records outcomes with one statement; retries later (a job) what may succeed then, dead-letters the rest. */
  private async settle(manager: EntityManager, settling: ReadonlyArray<{ row: CrmOutcomeRow; outcome: CrmOutcome }>): Promise<void> {
    const settled = settling.map(({ row, outcome }) => {
      const retry = outcome.status === 'failed' && outcome.retryable && row.attempts < this.options.maxAttempts;
      const recorded: CrmSettledOutcome = {
        id: row.id,
        eventAt: row.event_at,
        status: outcome.status,
        reason: outcome.reason,
        error: outcome.error,
        recordId: outcome.recordId,
        deadLettered: outcome.status === 'failed' && !retry,
      };
      return { row, retry, recorded };
    });
    await this.repository.settleOutcomes(
      manager,
      settled.map(({ recorded }) => recorded),
    );
    const retries = settled.filter(({ retry }) => retry);
    if (retries.length > 0)
      await this.queue.add(
        retries.map(({ row }) => this.retryJobOf(row)),
        manager,
      );
    for (const { row, recorded } of settled) this.count(row.integration_id, recorded.deadLettered ? 'dead_letter' : recorded.status);
  }

  private retryJobOf(row: CrmOutcomeRow) {
    return {
      kind: CRM_RETRY_JOB,
      workspaceId: row.workspace_id,
      payload: { integrationId: row.integration_id, eventId: row.id, attempts: row.attempts },
      runAt: new Date(Date.now() + this.options.retryBaseMs * 2 ** Math.max(0, row.attempts - 1)),
    };
  }

  /** An automatic retry: the event is handed on again unless something else moved it since. */
  private async retryJob(job: Job<{ integrationId: string; eventId: string; attempts: number }>): Promise<void> {
    const { integrationId, eventId, attempts } = job.payload;
    const after = await this.dataSource.transaction(async (manager) => {
      const row = await this.repository.lock(manager, integrationId, eventId);
      if (!row || row.status !== 'failed' || row.attempts !== attempts || row.fields === null || row.type === null) return null;
      const paused = await this.repository.lockIntegration(manager, integrationId, row.workspace_id, false);
      await this.repository.update(manager, row, { status: 'received', error: null, reason: null });
      return this.handOn(manager, row, canonicalOf(row), paused);
    });
    await this.afterCommit(after);
  }

  /** Lead events whose lead was not stored (a stop between storing the event and the lead): stored now. */
  async sweepLeadEvents(): Promise<void> {
    const rows = await this.repository.unappliedLeadEvents(new Date(Date.now() - LEAD_SWEEP_AFTER_MS), 100);
    for (const row of rows) await this.applyLead(row.integration_id, row.id);
  }

  /** Re-reads a stored event with the integration's current mapping and hands it on (or records why it cannot be). */
  private async reread(manager: EntityManager, row: CrmEventRow, integration: CrmIntegrationRef, paused: boolean): Promise<AfterCommit> {
    const reading = readCrmPayload(row.body, integration.kind, integration.mapping, row.received_at);
    const base: CrmEventChange = { deadLettered: false, held: false, reason: null, error: null, recordId: null };
    if (reading.outcome === 'unreadable') {
      await this.repository.update(manager, row, { ...base, status: 'failed', error: reading.error, type: reading.type });
      return null;
    }
    if (reading.outcome === 'unsupported') {
      await this.repository.update(manager, row, { ...base, status: 'skipped', reason: 'unsupported_type', type: reading.type });
      return null;
    }
    // The partition key (event_at) stays: an event re-read keeps its place in the log.
    const event = reading.event;
    await this.repository.update(manager, row, {
      ...base,
      status: 'received',
      type: event.type,
      externalId: event.externalId,
      sourceUpdatedAt: event.sourceUpdatedAt,
      fields: event.fields,
    });
    // An event that could not be read before (a mapping fixed since) reaches its staging table now.
    await this.repository.insertStaging(manager, crmObjectType(event.type), {
      id: row.id,
      integrationId: row.integration_id,
      workspaceId: row.workspace_id,
      type: event.type,
      externalId: event.externalId,
      sourceUpdatedAt: event.sourceUpdatedAt,
      eventAt: row.event_at,
      receivedAt: row.received_at,
      fields: event.fields,
    });
    return this.handOn(manager, row, event, paused);
  }

  /**
   * Hands a stored `received` event on, in the caller's transaction: held while paused; a lead
   * event is stored as a lead once this commits; any other goes to contacts through the outbox.
   */
  private async handOn(
    manager: EntityManager,
    row: Pick<CrmEventRow, 'id' | 'event_at' | 'integration_id' | 'workspace_id' | 'attempts'>,
    event: CanonicalCrmEvent,
    paused: boolean,
  ): Promise<AfterCommit> {
    if (paused) {
      await this.repository.update(manager, row, { held: true, status: 'received' });
      return null;
    }
    if (LEAD_APPLIED_TYPES.has(event.type)) {
      await this.repository.update(manager, row, { held: false });
      return { applyLead: { integrationId: row.integration_id, eventId: row.id } };
    }
    let leadId: string | null = null;
    if (event.type === 'lead.converted') {
      leadId = (await this.repository.leadLink(manager, row.integration_id, event.externalId))?.leadId ?? null;
      if (leadId === null) {
        const attempts = row.attempts + 1;
        await this.repository.update(manager, row, { held: false, attempts });
        await this.settle(manager, [
          {
            row: { ...row, attempts },
            outcome: {
              status: 'failed',
              reason: null,
              error: `no lead of this integration has the CRM id ${event.externalId} yet`,
              retryable: true,
              recordId: null,
            },
          },
        ]);
        return null;
      }
    }
    await this.repository.update(manager, row, {
      held: false,
      attempts: row.attempts + 1,
      status: 'received',
      leadId: leadId ?? undefined,
    });
    await this.publish(manager, row, event, leadId);
    return null;
  }

  /** `crm_event.received` for the delivery after `row.attempts`, in the caller's transaction. */
  private async publish(
    manager: EntityManager,
    row: Pick<CrmEventRow, 'id' | 'integration_id' | 'workspace_id' | 'attempts'>,
    event: CanonicalCrmEvent,
    leadId: string | null,
  ): Promise<void> {
    await this.outbox.add(manager, receivedEvent(row, event, leadId));
  }

  private async afterCommit(step: AfterCommit): Promise<void> {
    if (step?.applyLead) await this.applyLead(step.applyLead.integrationId, step.applyLead.eventId);
  }

  /**
   * Stores a CRM lead event as a lead, through the raw-first intake (source `crm:<integration>`,
   * one idempotency key per CRM lead version), and links the CRM lead to it. An older version
   * than the one linked is skipped as stale. A failure to reach the database leaves the event
   * `received` for the sweep.
   */
  private async applyLead(integrationId: string, eventId: string): Promise<void> {
    try {
      const row = await this.dataSource.transaction((manager) => this.repository.lock(manager, integrationId, eventId));
      if (!row || row.status !== 'received' || row.held || row.external_id === null || row.source_updated_at === null) return;
      const link = await this.repository.leadLink(this.dataSource.manager, integrationId, row.external_id);
      if (link && link.sourceUpdatedAt.getTime() > row.source_updated_at.getTime()) {
        await this.dataSource.transaction((manager) => this.repository.update(manager, row, { status: 'skipped', reason: 'stale' }));
        this.count(integrationId, 'skipped');
        return;
      }
      const sourceUpdatedAt = row.source_updated_at.toISOString();
      const [result] = await this.leads.ingestGroup([
        {
          workspaceId: row.workspace_id,
          source: `crm:${integrationId}`,
          receivedAt: row.received_at.toISOString(),
          contentType: 'application/json',
          headers: {},
          remoteAddress: null,
          idempotencyKey: `crm:${row.external_id}:${sourceUpdatedAt}`.slice(0, 255),
          body: encodeBody(Buffer.from(JSON.stringify(row.fields ?? {}), 'utf8')),
          requestId: currentRequestId() ?? null,
        },
      ]);
      await this.dataSource.transaction(async (manager) => {
        const attempts = row.attempts + 1;
        if (result?.ok) {
          await this.repository.linkLead(manager, integrationId, row.external_id as string, result.reply.leadId, sourceUpdatedAt);
          await this.repository.update(manager, row, { status: 'processed', leadId: result.reply.leadId, attempts, error: null });
          this.count(integrationId, 'processed');
        } else if (result?.error.code === ErrorCodes.idempotencyKeyReused) {
          await this.repository.update(manager, row, { status: 'skipped', reason: 'duplicate', attempts });
          this.count(integrationId, 'skipped');
        } else {
          await this.repository.update(manager, row, {
            status: 'failed',
            error: `the lead was not stored: ${result?.error.message ?? 'no answer'}`.slice(0, 1000),
            attempts,
            deadLettered: true,
          });
          this.count(integrationId, 'failed');
        }
      });
    } catch (error) {
      if (!isDependencyOutage(error)) this.logger.error({ err: error, eventId }, 'a CRM lead event could not be applied');
    }
  }

  private count(integrationId: string, outcome: string): void {
    this.outcomes?.inc({ integration: integrationId, outcome });
  }
}

function receivedEvent(
  row: Pick<CrmEventRow, 'id' | 'integration_id' | 'workspace_id' | 'attempts'>,
  event: CanonicalCrmEvent,
  leadId: string | null,
): NewEvent<typeof EventTypes.crmEventReceived> {
  return {
    type: EventTypes.crmEventReceived,
    workspaceId: row.workspace_id,
    data: {
      crmEventId: row.id,
      integrationId: row.integration_id,
      type: event.type,
      externalId: event.externalId,
      sourceUpdatedAt: event.sourceUpdatedAt,
      attempt: row.attempts + 1,
      fields: event.fields,
      leadId,
    } satisfies CrmEventReceivedData,
  };
}

function rowOf(event: NewCrmEvent): Pick<CrmEventRow, 'id' | 'event_at' | 'integration_id' | 'workspace_id'> {
  return { id: event.id, event_at: event.eventAt, integration_id: event.integrationId, workspace_id: event.workspaceId };
}

function canonicalOf(row: CrmEventRow): CanonicalCrmEvent {
  return {
    type: row.type as CrmEventType,
    externalId: row.external_id ?? '',
    sourceUpdatedAt: (row.source_updated_at ?? row.event_at).toISOString(),
    fields: row.fields ?? {},
  };
}
