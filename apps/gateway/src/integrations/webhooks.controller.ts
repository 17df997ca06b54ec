import { Controller, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../auth/access-rules';
import { ReadsRawBody } from '../http/body-parser';
import { ErrorBodyDoc } from '../http/error-body.doc';
import { WebhookAcceptedDoc } from './dto/integration.dto';
import { WebhooksService } from './webhooks.service';

/** CRM webhooks: no API key, the signature is the credential. */
@ApiTags('webhooks')
@Controller('api/v1/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post(':integrationId')
  @Public()
  @HttpCode(202)
  @ReadsRawBody()
  @ApiOperation({
    summary: 'Receive a signed CRM webhook (the integration kind’s scheme); answered once it is stored',
    description:
      'acme: X-Acme-Signature (hex HMAC-SHA256 of "<timestamp>.<body>") with X-Acme-Timestamp; standard: Standard Webhooks; ' +
      'stripe: Stripe-Signature t=…,v1=…; hubspot: X-HubSpot-Signature-v3 with X-HubSpot-Request-Timestamp.',
  })
  @ApiParam({ name: 'integrationId', format: 'uuid' })
  @ApiResponse({
    status: 202,
    type: WebhookAcceptedDoc,
    description: 'Stored; processed asynchronously (a HubSpot batch: each item an event, listed in `events`)',
  })
  @ApiOkResponse({
    type: WebhookAcceptedDoc,
    description: 'The same webhook id (for a batch: every item’s eventId) was received before: nothing is done again',
  })
  @ApiResponse({ status: 401, type: ErrorBodyDoc, description: 'invalid_signature, stale_timestamp (the request is kept for audit)' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found: no such integration' })
  @ApiResponse({ status: 413, type: ErrorBodyDoc, description: 'payload_too_large' })
  @ApiResponse({
    status: 429,
    type: ErrorBodyDoc,
    description: 'rate_limited (Retry-After): over the integration’s webhooks per second; nothing was stored, send again',
  })
  @ApiResponse({ status: 503, type: ErrorBodyDoc, description: 'unavailable (Retry-After): nothing was stored, send again' })
  async receive(
    @Param('integrationId') integrationId: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<WebhookAcceptedDoc> {
    const answer = await this.webhooks.receive(integrationId, request, reply);
    if (answer.replayed) void reply.status(200);
    if (!answer.events) return { ok: true, eventId: answer.eventId, replayed: answer.replayed };
    const replays = answer.events.filter((event) => event.replayed).length;
    return {
      ok: true,
      eventId: answer.eventId,
      replayed: answer.replayed,
      events: answer.events,
      stored: answer.events.length - replays,
      replays,
      failed: answer.events.filter((event) => !event.replayed && event.error !== null).length,
    };
  }
}
