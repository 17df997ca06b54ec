import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiHeader, ApiSecurity, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RequireScope } from '../auth/access-rules';
import { Caller, type Principal } from '../auth/principal';
import { ReadsRawBody } from '../http/body-parser';
import { IntakeService } from './intake.service';
import { LegacyLeadAccepted, LegacyLeadError, LeadPayloadDoc } from './intake.openapi';

export const LEGACY_INTAKE_ROUTE = '/api/lead';

/** `POST /api/lead`, byte-compatible with existing senders (see docs/architecture.md, "Intake contract"). */
@ApiTags('intake')
@Controller()
export class LegacyIntakeController {
  constructor(private readonly intake: IntakeService) {}

  @Post(LEGACY_INTAKE_ROUTE)
  @HttpCode(201)
  @ReadsRawBody()
  @RequireScope('intake', { keylessLegacyIntake: true })
  @ApiSecurity('apiKey')
  @ApiOperation({
    summary: 'Send one lead (legacy contract)',
    description: 'Stored before it is acknowledged. Retry with the same Idempotency-Key.',
  })
  @ApiConsumes('application/json', 'application/x-www-form-urlencoded')
  @ApiBody({ type: LeadPayloadDoc })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Same key and body again → 409 with the first lead_id' })
  @ApiHeader({ name: 'X-Request-Id', required: false, description: 'Echoed back; generated when absent' })
  @ApiResponse({ status: 201, type: LegacyLeadAccepted, description: 'Stored' })
  @ApiResponse({
    status: 409,
    type: LegacyLeadAccepted,
    description: 'Same key and body seen before (deduplicated: true); treat as success',
  })
  @ApiResponse({ status: 400, type: LegacyLeadError, description: 'invalid_payload: not a JSON object, broken JSON, empty body' })
  @ApiResponse({
    status: 401,
    type: LegacyLeadError,
    description: 'unauthorized: no valid API key (unless the default workspace opened this route to keyless senders)',
  })
  @ApiResponse({ status: 403, type: LegacyLeadError, description: 'forbidden: the key lacks the intake scope' })
  @ApiResponse({ status: 413, type: LegacyLeadError, description: 'payload_too_large: over 1 MiB' })
  @ApiResponse({ status: 415, type: LegacyLeadError, description: 'unsupported_media_type' })
  @ApiResponse({ status: 422, type: LegacyLeadError, description: 'idempotency_key_reused: same key, different body' })
  @ApiResponse({ status: 503, type: LegacyLeadError, description: 'unavailable: retry later with the same key (Retry-After)' })
  async create(
    @Caller() sender: Principal,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<LegacyLeadAccepted> {
    const stored = await this.intake.ingestLead(request, sender);
    if (stored.deduplicated) void reply.status(409);
    return { ok: true, lead_id: stored.leadId, deduplicated: stored.deduplicated };
  }
}
