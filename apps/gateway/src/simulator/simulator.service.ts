import { type AcmeFieldMapping, AppException, ErrorCodes, type IntegrationKind, type Page } from '@leadflow/contracts';
import { SigningConfigurationException, webhookSignatureScheme } from '@leadflow/signing';
import { Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { AuditLogService } from '../audit/audit-log.service';
import type { Principal } from '../auth/principal';
import { IntegrationsRepository } from '../integrations/integrations.repository';
import { webhookPath } from '../integrations/integrations.service';
import type { SimulatedWebhookDoc, SimulateWebhookDto } from './dto/simulator.dto';
import { simulatedPayload } from './simulated-payload';
import { type SimulatedWebhookRow, SimulatorRepository } from './simulator.repository';

const DELIVERY_TIMEOUT_MS = 10_000;
const MAX_RESPONSE_BODY = 4096;

/**
 * Sends a CRM webhook as a CRM would: the payload for an event type (placed by the integration's
 * mapping for `acme`), signed by the integration's scheme with its secrets (or a kind and secret
 * given for another target), delivered, and kept with what came back. Secrets are never stored.
 */
@Injectable()
export class SimulatorService {
  constructor(
    private readonly integrations: IntegrationsRepository,
    private readonly history: SimulatorRepository,
    private readonly audit: AuditLogService,
  ) {}

  async simulate(caller: Principal, workspaceId: string, body: SimulateWebhookDto, baseUrl: string): Promise<SimulatedWebhookDoc> {
    const target = await this.target(workspaceId, body, baseUrl);
    const webhookId = `sim_${uuidv7()}`;
    const now = new Date();
    const requestBody = JSON.stringify(simulatedPayload(target.kind, body.eventType, body.data, webhookId, now, target.mapping));
    let signature: Record<string, string>;
    try {
      signature = webhookSignatureScheme(target.kind).sign(
        { id: webhookId, method: 'POST', url: target.url, body: requestBody },
        target.secrets,
        now,
      );
    } catch (error) {
      if (error instanceof SigningConfigurationException) throw new AppException(ErrorCodes.validationFailed, `secret: ${error.message}`);
      throw error;
    }
    const requestHeaders = { 'content-type': 'application/json', 'user-agent': 'LeadFlow-Simulator', ...signature };
    const started = Date.now();
    let responseStatus: number | null = null;
    let responseBody: string | null = null;
    let failure: string | null = null;
    try {
      const response = await fetch(target.url, {
        method: 'POST',
        headers: requestHeaders,
        body: requestBody,
        redirect: 'manual',
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
      });
      responseStatus = response.status;
      responseBody = (await response.text()).slice(0, MAX_RESPONSE_BODY);
    } catch (error) {
      failure =
        `delivery failed: ${error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)}`.slice(
          0,
          1000,
        );
    }
    const row = await this.history.insert({
      id: uuidv7(),
      workspace_id: workspaceId,
      integration_id: target.integrationId,
      kind: target.kind,
      target_url: target.url,
      event_type: body.eventType,
      webhook_id: webhookId,
      request_headers: requestHeaders,
      request_body: requestBody,
      response_status: responseStatus,
      response_body: responseBody,
      error: failure,
      duration_ms: Date.now() - started,
      created_by: caller.actor,
    });
    const view = viewOf(row);
    await this.audit.recordAlone(caller, {
      workspaceId,
      action: 'simulator.webhook',
      target: `simulated_webhook:${row.id}`,
      after: { ...view, requestBody: undefined },
    });
    return view;
  }

  async list(workspaceId: string, limit: number, cursor: string | undefined): Promise<Page<SimulatedWebhookDoc>> {
    const page = await this.history.list(workspaceId, limit, cursor);
    return { items: page.items.map(viewOf), nextCursor: page.nextCursor };
  }

  async get(workspaceId: string, id: string): Promise<SimulatedWebhookDoc> {
    const row = await this.history.find(workspaceId, id);
    if (!row) throw new AppException(ErrorCodes.notFound, `no simulated webhook ${id}`);
    return viewOf(row);
  }

  private async target(
    workspaceId: string,
    body: SimulateWebhookDto,
    baseUrl: string,
  ): Promise<{ integrationId: string | null; kind: IntegrationKind; secrets: string[]; url: string; mapping: AcmeFieldMapping | null }> {
    if (body.integrationId) {
      const integration = await this.integrations.receiving(body.integrationId.toLowerCase());
      if (!integration || integration.workspace_id !== workspaceId)
        throw new AppException(ErrorCodes.notFound, `no integration ${body.integrationId}`);
      return {
        integrationId: integration.id,
        kind: integration.kind,
        secrets: integration.secrets,
        url: body.targetUrl ?? `${baseUrl}${webhookPath(integration.id)}`,
        mapping: integration.mapping,
      };
    }
    if (!body.targetUrl || !body.kind || !body.secret) {
      throw new AppException(ErrorCodes.validationFailed, 'Send integrationId, or targetUrl with kind and secret');
    }
    return { integrationId: null, kind: body.kind, secrets: [body.secret], url: body.targetUrl, mapping: null };
  }
}

function viewOf(row: SimulatedWebhookRow): SimulatedWebhookDoc {
  return {
    id: row.id,
    integrationId: row.integration_id,
    kind: row.kind,
    targetUrl: row.target_url,
    eventType: row.event_type,
    webhookId: row.webhook_id,
    requestHeaders: row.request_headers,
    requestBody: row.request_body,
    responseStatus: row.response_status,
    responseBody: row.response_body,
    error: row.error,
    durationMs: row.duration_ms,
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
  };
}
