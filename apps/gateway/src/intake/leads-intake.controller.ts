import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiHeader, ApiSecurity, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RequireScope } from '../auth/access-rules';
import { Caller, type Principal } from '../auth/principal';
import { ReadsRawBody } from '../http/body-parser';
import { ErrorBodyDoc } from '../http/error-body.doc';
import { IntakeService } from './intake.service';
import { BatchAccepted, BatchRequestDoc, LeadAccepted, LeadPayloadDoc } from './intake.openapi';

/** Intake with modern idempotency: a replay answers what the first request got, marked as a replay. */
@ApiTags('intake')
@ApiSecurity('apiKey')
@ApiResponse({ status: 401, type: ErrorBodyDoc, description: 'unauthorized: no valid API key' })
@ApiResponse({ status: 403, type: ErrorBodyDoc, description: 'forbidden: the key lacks the intake scope' })
@RequireScope('intake')
@Controller('api/v1/leads')
export class LeadsIntakeController {
  constructor(private readonly intake: IntakeService) {}

  @Post()
  @HttpCode(201)
  @ReadsRawBody()
  @ApiOperation({ summary: 'Send one lead' })
  @ApiConsumes('application/json', 'application/x-www-form-urlencoded')
  @ApiBody({ type: LeadPayloadDoc })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiResponse({
    status: 201,
    type: LeadAccepted,
    description: 'Stored; a replay of the same key and body answers the same, with Idempotent-Replayed: true',
  })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_payload, invalid_idempotency_key' })
  @ApiResponse({ status: 413, type: ErrorBodyDoc, description: 'payload_too_large' })
  @ApiResponse({ status: 415, type: ErrorBodyDoc, description: 'unsupported_media_type' })
  @ApiResponse({ status: 422, type: ErrorBodyDoc, description: 'idempotency_key_reused' })
  @ApiResponse({ status: 503, type: ErrorBodyDoc, description: 'unavailable (Retry-After)' })
  async create(
    @Caller() sender: Principal,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<LeadAccepted> {
    const stored = await this.intake.ingestLead(request, sender);
    if (stored.deduplicated) void reply.header('Idempotent-Replayed', 'true');
    return { id: stored.leadId, receivedAt: stored.receivedAt };
  }

  @Post('batch')
  @HttpCode(207)
  @ReadsRawBody()
  @ApiOperation({ summary: 'Send up to 500 leads in one request; one result per item, in order' })
  @ApiBody({ type: BatchRequestDoc })
  @ApiResponse({ status: 207, type: BatchAccepted })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_payload, batch_too_large' })
  @ApiResponse({ status: 503, type: ErrorBodyDoc, description: 'unavailable (Retry-After)' })
  async batch(@Caller() sender: Principal, @Req() request: FastifyRequest): Promise<BatchAccepted> {
    return this.intake.ingestBatch(request, sender);
  }
}
