import { AppException } from '@leadflow/contracts';
import { Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { RequireScope } from '../auth/access-rules';
import { Caller, type Principal } from '../auth/principal';
import { ReadsRawBody } from '../http/body-parser';
import { ErrorBodyDoc } from '../http/error-body.doc';
import { ActivityEventDoc, EventAccepted, EventBatchAccepted, EventBatchDoc } from './dto/events.dto';
import { EventsService } from './events.service';

/** Activity events from trackers: answered 202 once ingestion committed the raw request and the events. */
@ApiTags('events')
@ApiSecurity('apiKey')
@ApiResponse({ status: 401, type: ErrorBodyDoc, description: 'unauthorized: no valid API key' })
@ApiResponse({ status: 403, type: ErrorBodyDoc, description: 'forbidden (no events scope), origin_not_allowed (browser key)' })
@ApiResponse({ status: 429, type: ErrorBodyDoc, description: 'rate_limited (Retry-After)' })
@ApiResponse({ status: 503, type: ErrorBodyDoc, description: 'unavailable (Retry-After): nothing was stored, send again' })
@RequireScope('events')
@Controller('api/v1/events')
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Post()
  @HttpCode(202)
  @ReadsRawBody()
  @ApiOperation({ summary: 'Send one activity event' })
  @ApiBody({ type: ActivityEventDoc })
  @ApiResponse({ status: 202, type: EventAccepted, description: 'Stored (or stored before: duplicate)' })
  @ApiResponse({
    status: 400,
    type: ErrorBodyDoc,
    description: 'invalid_payload, invalid_event, missing_identifier, event_too_large (the request is kept)',
  })
  @ApiResponse({ status: 413, type: ErrorBodyDoc, description: 'payload_too_large' })
  @ApiResponse({ status: 415, type: ErrorBodyDoc, description: 'unsupported_media_type' })
  async create(@Caller() sender: Principal, @Req() request: FastifyRequest): Promise<EventAccepted> {
    const reply = await this.events.ingest(request, sender, { api: 'api', shape: 'event', defaultKind: null });
    const [result] = reply.results;
    if (!result || result.status === 'rejected' || !result.id || !result.messageId) {
      throw new AppException(result?.error?.code ?? 'internal_error', result?.error?.message ?? 'The event was not stored');
    }
    return { status: result.status, id: result.id, messageId: result.messageId };
  }

  @Post('batch')
  @HttpCode(202)
  @ReadsRawBody()
  @ApiOperation({ summary: 'Send up to 500 events (500 KB) in one request; one result per event, in order' })
  @ApiBody({ type: EventBatchDoc })
  @ApiResponse({ status: 202, type: EventBatchAccepted })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_payload, batch_too_large (more than 500 events)' })
  @ApiResponse({ status: 413, type: ErrorBodyDoc, description: 'payload_too_large (more than 500 KB)' })
  @ApiResponse({ status: 415, type: ErrorBodyDoc, description: 'unsupported_media_type' })
  async batch(@Caller() sender: Principal, @Req() request: FastifyRequest): Promise<EventBatchAccepted> {
    const reply = await this.events.ingest(request, sender, { api: 'api', shape: 'batch', defaultKind: null });
    return { results: reply.results };
  }
}
