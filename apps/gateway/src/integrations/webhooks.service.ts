import {
  AppException,
  type CrmVerificationOutcome,
  ErrorCodes,
  RpcSubjects,
  type StoreCrmWebhookReply,
  type StoreCrmWebhookRequest,
  type StoredCrmBatchEvent,
} from '@leadflow/contracts';
import { currentRequestId } from '@leadflow/logging';
import { encodeBody, RpcClient } from '@leadflow/messaging';
import { SignatureFailureCodes, webhookSignatureScheme } from '@leadflow/signing';
import { Inject, Injectable, Optional } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Registry } from 'prom-client';
import { RateLimits } from '../auth/rate-limits';
import { GatewayEnv } from '../config/env';
import { rawBody } from '../http/body-parser';
import type { ReceivingIntegration } from './integrations.repository';
import { refOf } from './integrations.service';
import { ReceivingIntegrations } from './receiving-integrations';
import { requestBaseUrl, webhookHeaders } from './webhook-request';

export interface WebhookAnswer {
  eventId: string | null;
  replayed: boolean;
  /** A batch's events, in request order (absent for a request of one event). */
  events?: StoredCrmBatchEvent[];
}

/**
 * Receives a CRM webhook: the integration's secrets valid now, the signature over the raw bytes
 * (constant-time comparisons, each secret), then ingestion stores it, verified or not, before
 * anything is answered. A refused webhook is kept for audit and answered 401; a webhook id seen
 * before is answered 200 and not processed again.
 */
@Injectable()
export class WebhooksService {
  private readonly outcomes: Counter<'integration' | 'outcome'> | undefined;

  constructor(
    private readonly integrations: ReceivingIntegrations,
    private readonly rpc: RpcClient,
    private readonly rateLimits: RateLimits,
    @Inject(GatewayEnv) private readonly env: GatewayEnv,
    @Optional() registry?: Registry,
  ) {
    this.outcomes = registry
      ? new Counter({
          name: 'crm_webhooks_received_total',
          help: 'CRM webhooks received, by integration and outcome (accepted, replay, invalid_signature, stale_timestamp)',
          labelNames: ['integration', 'outcome'] as const,
          registers: [registry],
        })
      : undefined;
  }

  async receive(integrationId: string, request: FastifyRequest, response: FastifyReply): Promise<WebhookAnswer> {
    const id = integrationId.toLowerCase();
    const body = rawBody(request);
    const receivedAt = new Date();
    const signed = { method: request.method, url: `${requestBaseUrl(request)}${request.url}`, headers: request.headers, body };
    const check = (integration: ReceivingIntegration) =>
      webhookSignatureScheme(integration.kind).verify(signed, integration.secrets, {
        now: receivedAt,
        toleranceSeconds: integration.tolerance_seconds,
      });
    let integration = await this.integrations.get(id);
    let checked = integration ? check(integration) : undefined;
    if (checked && !checked.ok) {
      // The reused answer may predate a rotation: check once more against the integration as it is now.
      integration = await this.integrations.get(id, { fresh: true });
      checked = integration ? check(integration) : undefined;
    }
    if (!integration || !checked) throw new AppException(ErrorCodes.notFound, `no integration ${integrationId.slice(0, 64)}`);
    const perSecond = this.env.WEBHOOK_RATE_LIMIT_PER_SECOND;
    await this.rateLimits.take(`webhooks:${integration.id}`, { perSecond, burst: perSecond * 2 }, response);
    const verification: CrmVerificationOutcome = checked.ok
      ? { ok: true, secretIndex: checked.secretIndex, signedAt: checked.signedAt.toISOString(), webhookId: checked.webhookId }
      : { ok: false, code: checked.code, reason: checked.reason };
    const reply = await this.rpc.request<StoreCrmWebhookReply>(
      RpcSubjects.ingestion.crmWebhookStore,
      {
        integration: refOf(integration),
        receivedAt: receivedAt.toISOString(),
        headers: webhookHeaders(request),
        body: encodeBody(body),
        verification,
        requestId: currentRequestId() ?? null,
      } satisfies StoreCrmWebhookRequest,
      { timeoutMs: this.env.INTAKE_TIMEOUT_MS },
    );
    if (!checked.ok) {
      const stale = checked.code === SignatureFailureCodes.staleTimestamp;
      this.outcomes?.inc({ integration: id, outcome: stale ? 'stale_timestamp' : 'invalid_signature' });
      throw stale
        ? new AppException(ErrorCodes.staleTimestamp, 'The signed timestamp is outside the tolerance')
        : new AppException(ErrorCodes.invalidSignature, `The signature does not verify: ${checked.reason}`);
    }
    this.outcomes?.inc({ integration: id, outcome: reply.outcome === 'replay' ? 'replay' : 'accepted' });
    return { eventId: reply.eventId, replayed: reply.outcome === 'replay', ...(reply.events ? { events: reply.events } : {}) };
  }
}
