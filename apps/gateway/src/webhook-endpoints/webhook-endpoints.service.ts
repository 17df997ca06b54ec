import { AppException, ErrorCodes, isWebhookEventPattern, type Page, WEBHOOK_TEST_TYPE } from '@leadflow/contracts';
import { generateStandardWebhookSecret } from '@leadflow/signing';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { AuditLogService } from '../audit/audit-log.service';
import type { Principal } from '../auth/principal';
import { GatewayEnv } from '../config/env';
import type {
  CreateWebhookEndpointDto,
  RecoverDeliveriesDto,
  RecoveredDoc,
  UpdateWebhookEndpointDto,
  WebhookDeliveryDoc,
  WebhookEndpointCreatedDoc,
  WebhookEndpointViewDoc,
  WebhookHealthDoc,
  WebhookSecretRotatedDoc,
} from './dto/webhook-endpoint.dto';
import { WebhookDeliveriesService } from './webhook-deliveries.service';
import {
  type AttemptRow,
  type DeliveryRow,
  type EndpointRow,
  type SecretRow,
  WebhookEndpointsRepository,
} from './webhook-endpoints.repository';
import { WebhookSubscriptions } from './webhook-subscriptions';
import { checkWebhookTarget } from './webhook-target';

const HEALTH_WINDOW_HOURS = 24;

/**
 * A workspace's webhook endpoints: every change audited in its own transaction, without secrets; a
 * secret shown once, when made; the delivery log and its controls (resend, recover, test).
 */
@Injectable()
export class WebhookEndpointsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repository: WebhookEndpointsRepository,
    private readonly deliveries: WebhookDeliveriesService,
    private readonly subscriptions: WebhookSubscriptions,
    private readonly audit: AuditLogService,
    @Inject(GatewayEnv) private readonly env: GatewayEnv,
  ) {}

  async create(caller: Principal, workspaceId: string, body: CreateWebhookEndpointDto): Promise<WebhookEndpointCreatedDoc> {
    const eventTypes = checkedEventTypes(body.eventTypes);
    await checkWebhookTarget(body.url, this.deliveries.privateTargetsAllowed);
    const secret = generateStandardWebhookSecret();
    const id = uuidv7();
    const view = await this.dataSource.transaction(async (manager) => {
      const row = await this.repository.insert(manager, {
        id,
        workspace_id: workspaceId,
        url: body.url,
        description: body.description ?? null,
        event_types: eventTypes,
        enabled: body.enabled ?? true,
        rate_limit_per_second: body.rateLimitPerSecond ?? null,
        created_by: caller.actor,
      });
      await this.repository.addSecret(manager, { id: uuidv7(), endpointId: id, secret });
      const created = await this.view(row, manager);
      await this.audit.record(manager, caller, { workspaceId, action: 'webhook_endpoint.create', target: target(id), after: created });
      return created;
    });
    this.subscriptions.changed(workspaceId);
    return { ...view, secret };
  }

  async list(workspaceId: string, limit: number, cursor: string | undefined): Promise<Page<WebhookEndpointViewDoc>> {
    const page = await this.repository.list(workspaceId, limit, cursor);
    const secrets = await this.repository.activeSecrets(page.items.map((row) => row.id));
    return { items: page.items.map((row) => viewOf(row, secrets.get(row.id) ?? [])), nextCursor: page.nextCursor };
  }

  async get(workspaceId: string, id: string): Promise<WebhookEndpointViewDoc> {
    return this.view(await this.found(workspaceId, id));
  }

  async update(caller: Principal, workspaceId: string, id: string, body: UpdateWebhookEndpointDto): Promise<WebhookEndpointViewDoc> {
    const eventTypes = body.eventTypes === undefined ? undefined : checkedEventTypes(body.eventTypes);
    if (body.url !== undefined) await checkWebhookTarget(body.url, this.deliveries.privateTargetsAllowed);
    return this.write(caller, workspaceId, id, 'webhook_endpoint.update', (manager) =>
      this.repository.update(manager, id, {
        url: body.url,
        description: body.description,
        eventTypes,
        enabled: body.enabled,
        rateLimitPerSecond: body.rateLimitPerSecond,
      }),
    );
  }

  async delete(caller: Principal, workspaceId: string, id: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const current = await this.repository.find(workspaceId, id, manager);
      if (!current) throw notFound(id);
      await this.repository.update(manager, id, { deleted: true });
      await this.repository.expireSecrets(manager, id, new Date());
      await this.audit.record(manager, caller, {
        workspaceId,
        action: 'webhook_endpoint.delete',
        target: target(id),
        before: viewOf(current, []),
      });
    });
    this.subscriptions.changed(workspaceId);
    this.deliveries.forget(id);
  }

  /** A new secret; the ones signing now keep signing for the overlap, so receivers can switch without a gap. */
  async rotateSecret(caller: Principal, workspaceId: string, id: string): Promise<WebhookSecretRotatedDoc> {
    const previousExpireAt = new Date(Date.now() + this.env.WEBHOOK_SECRET_OVERLAP_SECONDS * 1000);
    this.deliveries.forget(id);
    const rotated = await this.dataSource.transaction(async (manager): Promise<WebhookSecretRotatedDoc> => {
      const current = await this.repository.find(workspaceId, id, manager);
      if (!current) throw notFound(id);
      const before = await this.view(current, manager);
      await this.repository.expireSecrets(manager, id, previousExpireAt);
      const secret = generateStandardWebhookSecret();
      await this.repository.addSecret(manager, { id: uuidv7(), endpointId: id, secret });
      const endpoint = await this.view(current, manager);
      await this.audit.record(manager, caller, {
        workspaceId,
        action: 'webhook_endpoint.rotate_secret',
        target: target(id),
        before,
        after: endpoint,
      });
      return { endpoint, secret, previousExpireAt: previousExpireAt.toISOString() };
    });
    this.deliveries.forget(id);
    return rotated;
  }

  async deliveryLog(
    workspaceId: string,
    id: string,
    query: { limit: number; cursor?: string; status?: DeliveryRow['status'] },
  ): Promise<Page<WebhookDeliveryDoc>> {
    await this.found(workspaceId, id);
    const page = await this.repository.listDeliveries(id, query.limit, query.cursor, query.status);
    const attempts = await this.repository.attemptsOf(page.items.map((row) => row.id));
    return { items: page.items.map((row) => deliveryOf(row, attempts.get(row.id) ?? [])), nextCursor: page.nextCursor };
  }

  async health(workspaceId: string, id: string): Promise<WebhookHealthDoc> {
    const endpoint = await this.found(workspaceId, id);
    const stats = await this.repository.health(id, new Date(Date.now() - HEALTH_WINDOW_HOURS * 3_600_000));
    return {
      windowHours: HEALTH_WINDOW_HOURS,
      attempts: stats.attempts,
      succeeded: stats.succeeded,
      successRate: stats.attempts === 0 ? null : stats.succeeded / stats.attempts,
      lastSuccessAt: stats.last_success?.toISOString() ?? null,
      lastFailureAt: stats.last_failure?.toISOString() ?? null,
      pending: stats.pending,
      enabled: endpoint.enabled,
      failingSince: endpoint.failing_since?.toISOString() ?? null,
    };
  }

  /** Sends one delivery again, in a new round of attempts; 409 while it is still on its way. */
  async resend(caller: Principal, workspaceId: string, id: string, deliveryId: string): Promise<WebhookDeliveryDoc> {
    await this.found(workspaceId, id);
    const delivery = await this.repository.findDelivery(id, deliveryId);
    if (!delivery) throw new AppException(ErrorCodes.notFound, `no delivery ${deliveryId} of endpoint ${id}`);
    await this.dataSource.transaction(async (manager) => {
      const requeued = await this.repository.requeue(manager, id, { deliveryId });
      if (requeued === 0) throw new AppException(ErrorCodes.deliveryInProgress, `delivery ${deliveryId} is still on its way`);
      this.deliveries.markWritten(manager);
      await this.audit.record(manager, caller, {
        workspaceId,
        action: 'webhook_endpoint.resend',
        target: target(id),
        after: { deliveryId },
      });
    });
    const after = await this.repository.findDelivery(id, deliveryId);
    return deliveryOf(after ?? delivery, (await this.repository.attemptsOf([deliveryId])).get(deliveryId) ?? []);
  }

  /** Queues again every delivery of the endpoint that failed, made within the window. */
  async recover(caller: Principal, workspaceId: string, id: string, body: RecoverDeliveriesDto): Promise<RecoveredDoc> {
    const since = new Date(body.since);
    const until = new Date(body.until);
    if (since >= until) throw new AppException(ErrorCodes.validationFailed, 'since must be before until');
    await this.found(workspaceId, id);
    return this.dataSource.transaction(async (manager) => {
      const requeued = await this.repository.requeue(manager, id, { failedFrom: since, failedUntil: until });
      this.deliveries.markWritten(manager);
      await this.audit.record(manager, caller, {
        workspaceId,
        action: 'webhook_endpoint.recover',
        target: target(id),
        after: { since: body.since, until: body.until, requeued },
      });
      return { requeued };
    });
  }

  /** Sends a `webhook.test` event to the endpoint (whatever it subscribes to); answers the delivery. */
  async test(caller: Principal, workspaceId: string, id: string): Promise<WebhookDeliveryDoc> {
    await this.found(workspaceId, id);
    const messageId = uuidv7();
    const deliveryId = await this.dataSource.transaction(async (manager) => {
      const made = await this.deliveries.enqueueOne(
        manager,
        {
          workspaceId,
          messageId,
          type: WEBHOOK_TEST_TYPE,
          timestamp: new Date().toISOString(),
          data: { endpointId: id, message: 'A test event from LeadFlow' },
        },
        id,
      );
      await this.audit.record(manager, caller, { workspaceId, action: 'webhook_endpoint.test', target: target(id), after: { messageId } });
      return made;
    });
    const delivery = await this.repository.findDelivery(id, deliveryId);
    if (!delivery) throw notFound(id);
    return deliveryOf(delivery, []);
  }

  private async found(workspaceId: string, id: string): Promise<EndpointRow> {
    const row = await this.repository.find(workspaceId, id);
    if (!row) throw notFound(id);
    return row;
  }

  private async write(
    caller: Principal,
    workspaceId: string,
    id: string,
    action: string,
    change: (manager: EntityManager) => Promise<EndpointRow>,
  ): Promise<WebhookEndpointViewDoc> {
    const after = await this.dataSource.transaction(async (manager) => {
      const current = await this.repository.find(workspaceId, id, manager);
      if (!current) throw notFound(id);
      const before = await this.view(current, manager);
      const written = await this.view(await change(manager), manager);
      await this.audit.record(manager, caller, { workspaceId, action, target: target(id), before, after: written });
      return written;
    });
    this.subscriptions.changed(workspaceId);
    this.deliveries.forget(id);
    return after;
  }

  private async view(row: EndpointRow, manager?: EntityManager): Promise<WebhookEndpointViewDoc> {
    const secrets = await this.repository.activeSecrets([row.id], manager);
    return viewOf(row, secrets.get(row.id) ?? []);
  }
}

/** The event types as given, each checked; 400 unknown_event_type naming the first unknown one. */
function checkedEventTypes(eventTypes: readonly string[]): string[] {
  const unknown = eventTypes.find((type) => !isWebhookEventPattern(type));
  if (unknown !== undefined)
    throw new AppException(ErrorCodes.unknownEventType, `"${unknown.slice(0, 100)}" is not an event type an endpoint can receive`);
  return [...new Set(eventTypes)];
}

function target(id: string): string {
  return `webhook_endpoint:${id}`;
}

function notFound(id: string): AppException {
  return new AppException(ErrorCodes.notFound, `no webhook endpoint ${id}`);
}

function viewOf(row: EndpointRow, secrets: SecretRow[]): WebhookEndpointViewDoc {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    eventTypes: row.event_types,
    enabled: row.enabled,
    rateLimitPerSecond: row.rate_limit_per_second,
    disabledReason: row.disabled_reason,
    disabledAt: row.disabled_at?.toISOString() ?? null,
    failingSince: row.failing_since?.toISOString() ?? null,
    secrets: secrets.map((secret) => ({
      id: secret.id,
      createdAt: secret.created_at.toISOString(),
      expiresAt: secret.expires_at?.toISOString() ?? null,
    })),
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

function deliveryOf(row: DeliveryRow, attempts: AttemptRow[]): WebhookDeliveryDoc {
  return {
    id: row.id,
    messageId: row.message_id,
    eventType: row.event_type,
    status: row.status,
    attempts: row.total_attempts,
    nextAttemptAt: row.status === 'pending' ? (row.next_attempt_at?.toISOString() ?? null) : null,
    lastError: row.last_error,
    createdAt: row.created_at.toISOString(),
    completedAt: row.completed_at?.toISOString() ?? null,
    attemptLog: attempts.map((attempt) => ({
      number: attempt.number,
      attemptedAt: attempt.attempted_at.toISOString(),
      statusCode: attempt.status_code,
      responseSnippet: attempt.response_snippet,
      latencyMs: attempt.latency_ms,
      error: attempt.error,
      succeeded: attempt.succeeded,
    })),
  };
}
