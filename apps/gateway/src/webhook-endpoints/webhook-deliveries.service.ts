import { type EventEnvelope, EventTypes, type EventData } from '@leadflow/contracts';
import { GroupCommit, WakeAfterCommit } from '@leadflow/jobs';
import { Outbox } from '@leadflow/messaging';
import { signStandardWebhook } from '@leadflow/signing';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { GatewayEnv } from '../config/env';
import { parseRetryDelays, retryAfterMs, retryDelayAfter } from './delivery-schedule';
import { type AttemptResult, sendWebhook } from './webhook-sender';
import {
  type AttemptRecord,
  type ClaimedDelivery,
  type DeliveringEndpoint,
  type NewDelivery,
  WebhookEndpointsRepository,
} from './webhook-endpoints.repository';
import { WebhookSubscriptions } from './webhook-subscriptions';
import { expandPostbackUrl, type PostbackValues } from './postback-url';
import { parseWebhookUrl } from './webhook-target';

/** Marks a transaction that added deliveries: the dispatcher is woken when it commits. */
export const DELIVERIES_COMMITTED = 'leadflow.webhookDeliveriesWritten';

const ENDPOINT_KEPT_MS = 1000;

/** The largest body a delivery sends. */
export const MAX_WEBHOOK_BODY_BYTES = 256 * 1024;

/** A message to deliver to some endpoints of a workspace. */
export interface WebhookMessage {
  workspaceId: string;
  /** The stable `webhook-id`: the event id (the run id of an automation's webhook). */
  messageId: string;
  type: string;
  timestamp: string;
  data: unknown;
}

/** Most successful attempts settled in one statement. */
const SETTLE_BATCH_MAX = 200;
/** Settlements committing at once, of successful attempts and of failed ones each. */
const SETTLES_IN_FLIGHT = 2;

/**
 * Makes deliveries (in the transaction of what caused them) and runs their attempts: sign afresh,
 * POST, record the attempt, and settle: succeeded, due again on the schedule (or after the
 * receiver's Retry-After), or failed. A 410 disables the endpoint, and so does failing without a
 * success for WEBHOOK_DISABLE_AFTER_FAILING_MS; either emits `endpoint.disabled`.
 */
@Injectable()
export class WebhookDeliveriesService {
  private readonly delays: number[];
  private readonly allowPrivate: boolean;
  /** Endpoints read for attempts, kept 1 s (a change made here forgets one at once). */
  private readonly kept = new Map<string, { endpoint: DeliveringEndpoint | undefined; readAt: number }>();
  /**
   * Successful attempts are settled in groups: those that end while a settlement is being
   * committed are committed together in the next, one statement for many.
   */
  private readonly succeeded: GroupCommit<{ attempt: AttemptRecord; delivery: ClaimedDelivery }>;
  /** Failed attempts, settled in groups the same way; each learns since when its endpoint fails. */
  private readonly failed: GroupCommit<
    { attempt: AttemptRecord; delivery: ClaimedDelivery; outcome: { status: 'failed' | 'pending'; retryInMs?: number } },
    Map<string, { failingSince: Date; now: Date }>
  >;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repository: WebhookEndpointsRepository,
    private readonly subscriptions: WebhookSubscriptions,
    private readonly outbox: Outbox,
    @Inject(GatewayEnv) private readonly env: GatewayEnv,
  ) {
    this.delays = parseRetryDelays(env.WEBHOOK_RETRY_DELAYS_MS);
    this.allowPrivate = env.WEBHOOK_ALLOW_PRIVATE_TARGETS === 'true';
    this.succeeded = new GroupCommit((settled) => this.repository.settleSucceeded(settled), {
      maxBatch: SETTLE_BATCH_MAX,
      maxInFlight: SETTLES_IN_FLIGHT,
    });
    this.failed = new GroupCommit((settled) => this.repository.settleFailed(settled), {
      maxBatch: SETTLE_BATCH_MAX,
      maxInFlight: SETTLES_IN_FLIGHT,
    });
  }

  get privateTargetsAllowed(): boolean {
    return this.allowPrivate;
  }

  /** Which events some enabled endpoint of their workspace subscribes to (and, with `postbacks`, which would make a postback). */
  async wanted(events: ReadonlyArray<EventEnvelope<object>>, postbacks = false): Promise<boolean[]> {
    const flags: boolean[] = [];
    for (const event of events) {
      let wanted = (await this.subscriptions.endpointsFor(event.workspaceId, event.type)).length > 0;
      if (!wanted && postbacks) {
        const source = (event.data as { source?: unknown }).source;
        wanted = typeof source === 'string' && (await this.subscriptions.postbacksFor(event.workspaceId, source)).length > 0;
      }
      flags.push(wanted);
    }
    return flags;
  }

  /**
   * Whether some enabled endpoint of the workspace subscribes to `type` (or, with `postbacks`, one
   * of its intake keys has a postback): when not, none of its events of the type is `wanted`.
   */
  async wantsAny(workspaceId: string, type: string, postbacks = false): Promise<boolean> {
    if ((await this.subscriptions.endpointsFor(workspaceId, type)).length > 0) return true;
    return postbacks && (await this.subscriptions.hasPostbacks(workspaceId));
  }

  /** Whether any workspace has an enabled endpoint subscribed to `type` (or, with `postbacks`, an enabled postback). */
  wantedAnywhere(type: string, postbacks = false): Promise<boolean> {
    return this.subscriptions.wantedAnywhere(type, postbacks);
  }

  /** Deliveries of domain events to the endpoints subscribed to them, in the inbox's transaction. */
  async enqueueEvents(events: ReadonlyArray<EventEnvelope<object>>, manager: EntityManager): Promise<void> {
    const deliveries: NewDelivery[] = [];
    for (const event of events) {
      const endpointIds = await this.subscriptions.endpointsFor(event.workspaceId, event.type);
      if (endpointIds.length === 0) continue;
      const message = {
        workspaceId: event.workspaceId,
        messageId: event.id,
        type: event.type,
        timestamp: event.occurredAt,
        data: event.data,
      };
      deliveries.push(...endpointIds.map((endpointId) => deliveryOf(message, endpointId)));
    }
    await this.add(manager, deliveries);
  }

  /**
   * Sender postbacks: a stage change or a conversion of a lead sent with an intake key that has a
   * postback URL becomes a GET of that URL, expanded with the event's values, and `{click_id}` with
   * the click id the sender sent with the lead `leadOf` names (empty when none is kept).
   */
  async enqueuePostbacks<TData extends { source: string }>(
    events: ReadonlyArray<EventEnvelope<TData>>,
    values: (data: TData) => PostbackValues,
    leadOf: (data: TData) => string | null | undefined,
    manager: EntityManager,
  ): Promise<void> {
    const told: Array<{ event: EventEnvelope<TData>; leadId: string | null; postbacks: Array<{ id: string; template: string }> }> = [];
    for (const event of events) {
      const postbacks = await this.subscriptions.postbacksFor(event.workspaceId, event.data.source);
      if (postbacks.length > 0) told.push({ event, leadId: leadOf(event.data) ?? null, postbacks });
    }
    if (told.length === 0) return;
    const clicks = await this.repository.clickIds(
      manager,
      told.flatMap(({ event, leadId }) => (leadId ? [{ workspaceId: event.workspaceId, leadId }] : [])),
    );
    const deliveries: NewDelivery[] = [];
    for (const { event, leadId, postbacks } of told) {
      const message = {
        workspaceId: event.workspaceId,
        messageId: event.id,
        type: event.type,
        timestamp: event.occurredAt,
        data: event.data,
      };
      const expanded = {
        event: event.type,
        source: event.data.source,
        occurred_at: event.occurredAt,
        click_id: leadId ? (clicks.get(`${event.workspaceId} ${leadId}`) ?? null) : null,
        ...values(event.data),
      };
      for (const postback of postbacks) {
        deliveries.push({ ...deliveryOf(message, postback.id), targetUrl: expandPostbackUrl(postback.template, expanded) });
      }
    }
    await this.add(manager, deliveries);
  }

  /** Keeps the click ids of leads whose sender has a postback, for `{click_id}` when the lead moves. */
  async rememberClicks(
    events: ReadonlyArray<EventEnvelope<EventData<typeof EventTypes.leadIngested>>>,
    manager: EntityManager,
  ): Promise<void> {
    const rows: Array<{ workspaceId: string; leadId: string; clickId: string }> = [];
    for (const { workspaceId, data } of events) {
      if (!data.clickId) continue;
      if ((await this.subscriptions.postbacksFor(workspaceId, data.source)).length === 0) continue;
      rows.push({ workspaceId, leadId: data.leadId, clickId: data.clickId });
    }
    await this.repository.rememberClicks(manager, rows);
  }

  async enqueueAutomationWebhooks(
    events: ReadonlyArray<EventEnvelope<EventData<typeof EventTypes.automationWebhookRequested>>>,
    manager: EntityManager,
  ): Promise<void> {
    const deliveries: NewDelivery[] = [];
    for (const { workspaceId, data } of events) {
      if (!(await this.subscriptions.isEnabled(workspaceId, data.endpointId))) continue;
      const { automationId, runId, contactId, trigger, occurredAt, payload } = data;
      deliveries.push(
        deliveryOf(
          {
            workspaceId,
            messageId: runId,
            type: 'automation.webhook',
            timestamp: occurredAt,
            data: { automationId, runId, contactId, trigger, payload },
          },
          data.endpointId,
        ),
      );
    }
    await this.add(manager, deliveries);
  }

  /** One delivery made by hand (the test event); answers its id. */
  async enqueueOne(manager: EntityManager, message: WebhookMessage, endpointId: string): Promise<string> {
    const delivery = deliveryOf(message, endpointId);
    await this.add(manager, [delivery]);
    return delivery.id;
  }

  /** Wakes the dispatcher when `manager`'s transaction commits (requeued deliveries). */
  markWritten(manager: EntityManager): void {
    WakeAfterCommit.mark(manager, DELIVERIES_COMMITTED);
  }

  private async add(manager: EntityManager, deliveries: NewDelivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    await this.repository.insertDeliveries(manager, deliveries);
    WakeAfterCommit.mark(manager, DELIVERIES_COMMITTED);
  }

  /** Forgets what was read of an endpoint for its attempts (it changed: URL, secrets, enabled). */
  forget(endpointId: string): void {
    this.kept.delete(endpointId);
  }

  private async endpointOf(endpointId: string): Promise<DeliveringEndpoint | undefined> {
    const kept = this.kept.get(endpointId);
    if (kept && Date.now() - kept.readAt < ENDPOINT_KEPT_MS) return kept.endpoint;
    const endpoint = await this.repository.delivering(endpointId);
    if (this.kept.size > 10_000) this.kept.clear();
    this.kept.set(endpointId, { endpoint, readAt: Date.now() });
    return endpoint;
  }

  /**
   * One attempt of a claimed delivery, from the endpoint's current URL and secrets to its
   * settlement. `answered` is called as soon as the receiver's answer (or the failure) is in, before
   * the settlement is written: the receiver is free for the next attempt from then on.
   */
  async attempt(delivery: ClaimedDelivery, answered: () => void = () => undefined): Promise<void> {
    let result: AttemptResult;
    let endpoint: DeliveringEndpoint | undefined;
    try {
      endpoint = await this.endpointOf(delivery.endpoint_id);
      if (!endpoint || !endpoint.enabled) {
        result = {
          statusCode: null,
          responseSnippet: null,
          retryAfter: undefined,
          latencyMs: 0,
          error: 'the endpoint is disabled or deleted',
        };
      } else {
        await this.waitForRate(endpoint);
        result = await this.post(endpoint, delivery);
      }
    } finally {
      answered();
    }
    await this.settle(delivery, endpoint, result);
  }

  private async post(endpoint: DeliveringEndpoint, delivery: ClaimedDelivery): Promise<AttemptResult> {
    const failed = (error: string): AttemptResult => ({
      statusCode: null,
      responseSnippet: null,
      retryAfter: undefined,
      latencyMs: 0,
      error,
    });
    let url: URL;
    try {
      // The addresses are checked as the connection is made (guardedLookup), so a name that now resolves elsewhere is refused too.
      url = parseWebhookUrl(delivery.target_url ?? endpoint.url);
    } catch (error) {
      return failed(error instanceof Error ? error.message : String(error));
    }
    if (endpoint.secrets.length === 0) return failed('the endpoint has no signing secret');
    // Signed now, with every secret valid now: a retry carries a fresh timestamp and signature, the same webhook-id.
    // A postback is a GET: nothing in its body, its values in the URL.
    const body = delivery.target_url === null ? delivery.body : null;
    const headers = signStandardWebhook({ id: delivery.message_id, body: body ?? '' }, endpoint.secrets, new Date());
    return sendWebhook(url, body, headers, {
      timeoutMs: this.env.WEBHOOK_TIMEOUT_MS,
      allowPrivate: this.allowPrivate,
      userAgent: `LeadFlow-Webhooks/${this.env.SERVICE_VERSION}`,
    });
  }

  /** Spaces the attempts to an endpoint by its rate limit, across replicas (a slot reserved in the database). */
  private async waitForRate(endpoint: DeliveringEndpoint): Promise<void> {
    if (!endpoint.rate_limit_per_second) return;
    const waitMs = await this.repository.reserveRateSlot(endpoint.id);
    if (waitMs !== undefined && waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
  }

  private async settle(delivery: ClaimedDelivery, endpoint: DeliveringEndpoint | undefined, result: AttemptResult): Promise<void> {
    const succeeded = result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300;
    const error = succeeded ? null : (result.error ?? `the endpoint answered ${result.statusCode}`);
    const attempt = {
      deliveryId: delivery.id,
      number: delivery.total_attempts,
      statusCode: result.statusCode,
      responseSnippet: result.responseSnippet,
      latencyMs: result.latencyMs,
      error,
      succeeded,
    };
    // The common case in one statement: the attempt, the delivery and the end of the endpoint's failing streak.
    if (succeeded) return this.succeeded.submit({ attempt, delivery });
    if (!endpoint || !endpoint.enabled || result.statusCode === 410) {
      await this.dataSource.transaction(async (manager) => {
        await this.repository.recordAttempt(manager, attempt);
        await this.repository.settle(manager, delivery, { status: 'failed', error });
        if (endpoint?.enabled && result.statusCode === 410) await this.disable(manager, endpoint, 'gone', null);
      });
      return;
    }
    const delay = retryDelayAfter(delivery.attempts, this.delays);
    const asked =
      result.statusCode === 429 || result.statusCode === 503 ? retryAfterMs(result.retryAfter, this.env.WEBHOOK_RETRY_AFTER_MAX_MS) : null;
    // Failures are settled in groups too, so that a failing endpoint's attempts hold the database as briefly as a healthy one's.
    const failingSince = await this.failed.submit({
      attempt,
      delivery,
      outcome: delay === null ? { status: 'failed' } : { status: 'pending', retryInMs: Math.max(delay, asked ?? 0) },
    });
    const failing = failingSince.get(delivery.endpoint_id);
    if (failing && failing.now.getTime() - failing.failingSince.getTime() >= this.env.WEBHOOK_DISABLE_AFTER_FAILING_MS) {
      await this.dataSource.transaction((manager) => this.disable(manager, endpoint, 'failing', failing.failingSince));
    }
  }

  private async disable(
    manager: EntityManager,
    endpoint: DeliveringEndpoint,
    reason: 'gone' | 'failing',
    failingSince: Date | null,
  ): Promise<void> {
    const disabled = await this.repository.disable(manager, endpoint.id, reason);
    this.forget(endpoint.id);
    if (!disabled) return;
    await this.outbox.add(manager, {
      type: EventTypes.endpointDisabled,
      workspaceId: endpoint.workspace_id,
      data: {
        endpointId: endpoint.id,
        url: endpoint.url,
        reason,
        failingSince: failingSince?.toISOString() ?? null,
        disabledAt: (disabled.disabled_at ?? new Date()).toISOString(),
      },
    });
    this.subscriptions.changed(endpoint.workspace_id);
  }
}

function deliveryOf(message: WebhookMessage, endpointId: string): NewDelivery {
  const body = JSON.stringify({ type: message.type, timestamp: message.timestamp, data: message.data });
  const tooLarge = Buffer.byteLength(body) > MAX_WEBHOOK_BODY_BYTES;
  return {
    id: uuidv7(),
    workspaceId: message.workspaceId,
    endpointId,
    messageId: message.messageId,
    eventType: message.type,
    body: tooLarge ? '{}' : body,
    failedWith: tooLarge ? `the body is larger than ${MAX_WEBHOOK_BODY_BYTES} bytes` : undefined,
  };
}
