import {
  type AcmeFieldMapping,
  AppException,
  type CrmEventStatus,
  type CrmEventView,
  type CrmIntegrationRef,
  type CrmIntegrationStatusView,
  ErrorCodes,
  type Page,
  type ReplayCrmEventsReply,
  RpcSubjects,
  type SetCrmIntegrationPausedReply,
} from '@leadflow/contracts';
import { RpcClient } from '@leadflow/messaging';
import { webhookSignatureScheme } from '@leadflow/signing';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { AuditLogService } from '../audit/audit-log.service';
import type { Principal } from '../auth/principal';
import { GatewayEnv } from '../config/env';
import type {
  CreateIntegrationDto,
  IntegrationCreatedDoc,
  IntegrationViewDoc,
  SecretRotatedDoc,
  UpdateIntegrationDto,
} from './dto/integration.dto';
import { acmeMappingProblem } from './integration-mapping';
import { type IntegrationRow, IntegrationsRepository, type SecretRow } from './integrations.repository';
import { ReceivingIntegrations } from './receiving-integrations';

/** The path a sender posts an integration's webhooks to. */
export function webhookPath(integrationId: string): string {
  return `/api/v1/webhooks/${integrationId}`;
}

/**
 * CRM integrations, kept by the gateway (which verifies their webhooks): every change is audited
 * in its own transaction, without secrets; a secret is shown once, when made. Pausing, and what
 * ingestion holds (the event log, its status, retries and replays), go to ingestion over NATS.
 */
@Injectable()
export class IntegrationsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repository: IntegrationsRepository,
    private readonly audit: AuditLogService,
    private readonly rpc: RpcClient,
    private readonly receiving: ReceivingIntegrations,
    @Inject(GatewayEnv) private readonly env: GatewayEnv,
  ) {}

  async create(caller: Principal, workspaceId: string, body: CreateIntegrationDto, baseUrl: string): Promise<IntegrationCreatedDoc> {
    const mapping = checkedMapping(body.kind, body.mapping);
    const secret = webhookSignatureScheme(body.kind).generateSecret();
    const paused = body.paused ?? false;
    const id = uuidv7();
    if (paused)
      await this.setPausedInIngestion(refOf({ id, workspace_id: workspaceId, kind: body.kind, mapping: mapping ?? null, paused }), true);
    const view = await this.dataSource.transaction(async (manager) => {
      const row = await this.repository.insert(manager, {
        id,
        workspace_id: workspaceId,
        name: body.name,
        kind: body.kind,
        tolerance_seconds: body.toleranceSeconds ?? 300,
        mapping: mapping ?? null,
        paused,
        created_by: caller.actor,
      });
      await this.repository.addSecret(manager, { id: uuidv7(), integrationId: id, secret });
      const created = await this.view(row, baseUrl, manager);
      await this.audit.record(manager, caller, { workspaceId, action: 'integration.create', target: `integration:${id}`, after: created });
      return created;
    });
    return { ...view, secret };
  }

  async list(workspaceId: string, limit: number, cursor: string | undefined, baseUrl: string): Promise<Page<IntegrationViewDoc>> {
    const page = await this.repository.list(workspaceId, limit, cursor);
    const secrets = await this.repository.activeSecrets(page.items.map((row) => row.id));
    return { items: page.items.map((row) => viewOf(row, secrets.get(row.id) ?? [], baseUrl)), nextCursor: page.nextCursor };
  }

  async get(workspaceId: string, id: string, baseUrl: string): Promise<IntegrationViewDoc> {
    return this.view(await this.found(workspaceId, id), baseUrl);
  }

  async update(
    caller: Principal,
    workspaceId: string,
    id: string,
    body: UpdateIntegrationDto,
    baseUrl: string,
  ): Promise<IntegrationViewDoc> {
    const current = await this.found(workspaceId, id);
    const mapping = checkedMapping(current.kind, body.mapping);
    if (body.paused !== undefined && body.paused !== current.paused) {
      await this.setPausedInIngestion(refOf({ ...current, mapping: mapping === undefined ? current.mapping : mapping }), body.paused);
    }
    return this.write(caller, workspaceId, id, 'integration.update', baseUrl, (manager) =>
      this.repository.update(manager, id, { name: body.name, toleranceSeconds: body.toleranceSeconds, mapping, paused: body.paused }),
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
        action: 'integration.delete',
        target: `integration:${id}`,
        before: viewOf(current, [], ''),
      });
    });
    this.receiving.changed(id);
  }

  /** A new secret; the ones valid now keep working for the overlap, so that senders can switch without a gap. */
  async rotateSecret(caller: Principal, workspaceId: string, id: string, baseUrl: string): Promise<SecretRotatedDoc> {
    const previousExpireAt = new Date(Date.now() + this.env.INTEGRATION_SECRET_OVERLAP_SECONDS * 1000);
    const rotated = await this.dataSource.transaction(async (manager): Promise<SecretRotatedDoc> => {
      const current = await this.repository.find(workspaceId, id, manager);
      if (!current) throw notFound(id);
      const before = await this.view(current, baseUrl, manager);
      await this.repository.expireSecrets(manager, id, previousExpireAt);
      const secret = webhookSignatureScheme(current.kind).generateSecret();
      await this.repository.addSecret(manager, { id: uuidv7(), integrationId: id, secret });
      const integration = await this.view(current, baseUrl, manager);
      await this.audit.record(manager, caller, {
        workspaceId,
        action: 'integration.rotate_secret',
        target: `integration:${id}`,
        before,
        after: integration,
      });
      return { integration, secret, previousExpireAt: previousExpireAt.toISOString() };
    });
    this.receiving.changed(id);
    return rotated;
  }

  /** Pauses or resumes: ingestion first (it holds or hands on the events), then the integration's flag. */
  async setPaused(caller: Principal, workspaceId: string, id: string, paused: boolean, baseUrl: string): Promise<IntegrationViewDoc> {
    const current = await this.found(workspaceId, id);
    await this.setPausedInIngestion(refOf(current), paused);
    return this.write(caller, workspaceId, id, paused ? 'integration.pause' : 'integration.resume', baseUrl, (manager) =>
      this.repository.update(manager, id, { paused }),
    );
  }

  async events(
    workspaceId: string,
    id: string,
    query: { status?: CrmEventStatus; type?: string; from?: string; to?: string; limit: number; cursor?: string },
  ): Promise<Page<CrmEventView>> {
    await this.found(workspaceId, id);
    return this.rpc.request(RpcSubjects.ingestion.crmEventList, { workspaceId, integrationId: id, ...query });
  }

  async retryEvent(caller: Principal, workspaceId: string, id: string, eventId: string): Promise<CrmEventView> {
    const integration = refOf(await this.found(workspaceId, id));
    const event = await this.rpc.request<CrmEventView>(RpcSubjects.ingestion.crmEventRetry, { integration, eventId });
    await this.audit.recordAlone(caller, {
      workspaceId,
      action: 'integration.event_retry',
      target: `integration:${id}`,
      after: { eventId },
    });
    return event;
  }

  async replay(
    caller: Principal,
    workspaceId: string,
    id: string,
    range: { from: string; to: string; status?: CrmEventStatus },
  ): Promise<ReplayCrmEventsReply> {
    if (new Date(range.from) >= new Date(range.to)) throw new AppException(ErrorCodes.validationFailed, 'from must be before to');
    const integration = refOf(await this.found(workspaceId, id));
    const reply = await this.rpc.request<ReplayCrmEventsReply>(
      RpcSubjects.ingestion.crmEventReplay,
      { integration, ...range },
      { timeoutMs: 30_000 },
    );
    await this.audit.recordAlone(caller, {
      workspaceId,
      action: 'integration.replay',
      target: `integration:${id}`,
      after: { ...range, ...reply },
    });
    return reply;
  }

  async status(workspaceId: string, id: string): Promise<CrmIntegrationStatusView> {
    const integration = refOf(await this.found(workspaceId, id));
    return this.rpc.request(RpcSubjects.ingestion.crmIntegrationStatus, { integration });
  }

  private async setPausedInIngestion(integration: CrmIntegrationRef, paused: boolean): Promise<void> {
    // A resume hands on every held event in one transaction: it may take longer than a read.
    await this.rpc.request<SetCrmIntegrationPausedReply>(
      RpcSubjects.ingestion.crmIntegrationSetPaused,
      { integration, paused },
      { timeoutMs: 30_000 },
    );
  }

  private async found(workspaceId: string, id: string): Promise<IntegrationRow> {
    const row = await this.repository.find(workspaceId, id);
    if (!row) throw notFound(id);
    return row;
  }

  private async write(
    caller: Principal,
    workspaceId: string,
    id: string,
    action: string,
    baseUrl: string,
    change: (manager: EntityManager) => Promise<IntegrationRow>,
  ): Promise<IntegrationViewDoc> {
    const after = await this.dataSource.transaction(async (manager) => {
      const current = await this.repository.find(workspaceId, id, manager);
      if (!current) throw notFound(id);
      const before = await this.view(current, baseUrl, manager);
      const written = await this.view(await change(manager), baseUrl, manager);
      await this.audit.record(manager, caller, { workspaceId, action, target: `integration:${id}`, before, after: written });
      return written;
    });
    this.receiving.changed(id);
    return after;
  }

  private async view(row: IntegrationRow, baseUrl: string, manager?: EntityManager): Promise<IntegrationViewDoc> {
    const secrets = await this.repository.activeSecrets([row.id], manager);
    return viewOf(row, secrets.get(row.id) ?? [], baseUrl);
  }
}

/** What ingestion is told of an integration. */
export function refOf(row: Pick<IntegrationRow, 'id' | 'workspace_id' | 'kind' | 'mapping' | 'paused'>): CrmIntegrationRef {
  return { id: row.id, workspaceId: row.workspace_id, kind: row.kind, mapping: row.mapping, paused: row.paused };
}

function viewOf(row: IntegrationRow, secrets: SecretRow[], baseUrl: string): IntegrationViewDoc {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    toleranceSeconds: row.tolerance_seconds,
    mapping: row.mapping,
    paused: row.paused,
    webhookUrl: `${baseUrl}${webhookPath(row.id)}`,
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

/** The mapping to store: undefined keeps the current one, null removes it; only `acme` integrations take one. */
function checkedMapping(kind: IntegrationRow['kind'], mapping: unknown): AcmeFieldMapping | null | undefined {
  if (mapping === undefined || mapping === null) return mapping;
  if (kind !== 'acme') throw new AppException(ErrorCodes.invalidMapping, `a field mapping is for acme integrations; this one is ${kind}`);
  const problem = acmeMappingProblem(mapping);
  if (problem) throw new AppException(ErrorCodes.invalidMapping, problem);
  return mapping as AcmeFieldMapping;
}

function notFound(id: string): AppException {
  return new AppException(ErrorCodes.notFound, `no integration ${id}`);
}
