import { DownstreamException, ErrorCodes, type LeadConversionView } from '@leadflow/contracts';
import { Body, Controller, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RequireScope } from '../auth/access-rules';
import { CallerWorkspace } from '../auth/caller-workspace.decorator';
import { Caller, type Principal } from '../auth/principal';
import { ErrorBodyDoc } from '../http/error-body.doc';
import { UuidParamPipe } from '../http/path-params.pipe';
import { ConvertLeadDto, LeadConversionDoc } from './dto/lead-conversion.dto';
import { idempotencyKeyOf, LeadConversionService } from './lead-conversion.service';

/** The pipeline attributes a lead within moments of its intake; a conversion asked before that is retried after this. */
const NOT_ATTRIBUTED_RETRY_AFTER_SECONDS = '1';

@ApiTags('admin: leads')
@ApiSecurity('apiKey')
@ApiBearerAuth()
@ApiResponse({ status: 401, type: ErrorBodyDoc, description: 'unauthorized' })
@ApiResponse({ status: 403, type: ErrorBodyDoc, description: 'forbidden: the credential lacks admin:write' })
@RequireScope('admin:write')
@Controller('api/v1/leads')
export class LeadConversionController {
  constructor(private readonly conversions: LeadConversionService) {}

  @Post(':id/convert')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Convert a lead: its contact (attributed, or the one named) becomes lifecycle contact, with an optional opportunity; one transaction',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'The same key and body again answer the first conversion (Idempotent-Replayed: true)',
  })
  @ApiOkResponse({ type: LeadConversionDoc })
  @ApiResponse({
    status: 400,
    type: ErrorBodyDoc,
    description:
      'invalid_id, invalid_payload, validation_failed, invalid_idempotency_key, invalid_amount, invalid_currency, amount_out_of_range',
  })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found: no such lead in the workspace' })
  @ApiResponse({
    status: 409,
    type: ErrorBodyDoc,
    description: 'lead_already_converted; lead_not_attributed: the pipeline has not attributed the lead to a contact yet (Retry-After)',
  })
  @ApiResponse({ status: 422, type: ErrorBodyDoc, description: 'idempotency_key_reused, unknown_contact, unknown_pipeline, unknown_stage' })
  async convert(
    @Caller() caller: Principal,
    @CallerWorkspace() workspaceId: string,
    @Param('id', UuidParamPipe) leadId: string,
    @Body() body: ConvertLeadDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<LeadConversionView> {
    try {
      const converted = await this.conversions.convert(caller, workspaceId, leadId, idempotencyKeyOf(request), body);
      if (converted.replayed) void reply.header('Idempotent-Replayed', 'true');
      return converted.conversion;
    } catch (error) {
      if (error instanceof DownstreamException && error.code === ErrorCodes.leadNotAttributed) {
        void reply.header('Retry-After', NOT_ATTRIBUTED_RETRY_AFTER_SECONDS);
      }
      throw error;
    }
  }
}
