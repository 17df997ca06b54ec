import type { ActivityKind } from '@leadflow/contracts';
import { Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { RequireScope } from '../auth/access-rules';
import { Caller, type Principal } from '../auth/principal';
import { ReadsRawBody } from '../http/body-parser';
import { ErrorBodyDoc } from '../http/error-body.doc';
import { ActivityEventDoc, SegmentAccepted, SegmentBatchDoc } from './dto/events.dto';
import { type EventsCall, EventsService } from './events.service';

/**
 * Segment's HTTP Tracking API, so that Segment libraries send here unchanged (their host set to the
 * gateway, their write key a LeadFlow key with the `events` scope, sent as Basic auth). As Segment:
 * 200 `{"success": true}` once stored, invalid calls included (they are kept with their reason,
 * not applied); 400 only for a body that is not JSON or is too large. Unlike Segment, the answer
 * comes only after the events are committed, and 503/429 tell the library to retry.
 */
@ApiTags('events')
@ApiSecurity('basicWriteKey')
@ApiResponse({
  status: 400,
  type: ErrorBodyDoc,
  description: 'invalid_payload (not JSON), batch_too_large (over 32 KB a call, 500 KB a batch)',
})
@ApiResponse({ status: 401, type: ErrorBodyDoc, description: 'unauthorized: no valid write key' })
@ApiResponse({ status: 403, type: ErrorBodyDoc, description: 'forbidden (no events scope), origin_not_allowed (browser key)' })
@ApiResponse({ status: 429, type: ErrorBodyDoc, description: 'rate_limited (Retry-After)' })
@ApiResponse({ status: 503, type: ErrorBodyDoc, description: 'unavailable (Retry-After): nothing was stored, send again' })
@RequireScope('events')
@Controller('v1')
export class SegmentController {
  constructor(private readonly events: EventsService) {}

  private async store(request: FastifyRequest, sender: Principal, call: Omit<EventsCall, 'api'>): Promise<SegmentAccepted> {
    await this.events.ingest(request, sender, { api: 'segment', ...call });
    return { success: true };
  }

  private one(request: FastifyRequest, sender: Principal, kind: ActivityKind): Promise<SegmentAccepted> {
    return this.store(request, sender, { shape: 'event', defaultKind: kind });
  }

  @Post('track')
  @HttpCode(200)
  @ReadsRawBody()
  @ApiOperation({ summary: 'Segment track' })
  @ApiBody({ type: ActivityEventDoc })
  @ApiResponse({ status: 200, type: SegmentAccepted })
  track(@Caller() sender: Principal, @Req() request: FastifyRequest): Promise<SegmentAccepted> {
    return this.one(request, sender, 'track');
  }

  @Post('identify')
  @HttpCode(200)
  @ReadsRawBody()
  @ApiOperation({ summary: 'Segment identify' })
  @ApiBody({ type: ActivityEventDoc })
  @ApiResponse({ status: 200, type: SegmentAccepted })
  identify(@Caller() sender: Principal, @Req() request: FastifyRequest): Promise<SegmentAccepted> {
    return this.one(request, sender, 'identify');
  }

  @Post('page')
  @HttpCode(200)
  @ReadsRawBody()
  @ApiOperation({ summary: 'Segment page' })
  @ApiBody({ type: ActivityEventDoc })
  @ApiResponse({ status: 200, type: SegmentAccepted })
  page(@Caller() sender: Principal, @Req() request: FastifyRequest): Promise<SegmentAccepted> {
    return this.one(request, sender, 'page');
  }

  @Post('alias')
  @HttpCode(200)
  @ReadsRawBody()
  @ApiOperation({ summary: 'Segment alias' })
  @ApiBody({ type: ActivityEventDoc })
  @ApiResponse({ status: 200, type: SegmentAccepted })
  alias(@Caller() sender: Principal, @Req() request: FastifyRequest): Promise<SegmentAccepted> {
    return this.one(request, sender, 'alias');
  }

  @Post('batch')
  @HttpCode(200)
  @ReadsRawBody()
  @ApiOperation({ summary: 'Segment batch: up to 500 calls, 500 KB' })
  @ApiBody({ type: SegmentBatchDoc })
  @ApiResponse({ status: 200, type: SegmentAccepted })
  batch(@Caller() sender: Principal, @Req() request: FastifyRequest): Promise<SegmentAccepted> {
    return this.store(request, sender, { shape: 'batch', defaultKind: null });
  }
}
