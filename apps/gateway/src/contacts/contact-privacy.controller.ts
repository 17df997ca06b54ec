import { Controller, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RequireScope } from '../auth/access-rules';
import { CallerWorkspace } from '../auth/caller-workspace.decorator';
import { Caller, type Principal } from '../auth/principal';
import { ErrorBodyDoc } from '../http/error-body.doc';
import { UuidParamPipe } from '../http/path-params.pipe';
import { ContactPrivacyService } from './contact-privacy.service';
import { ErasureViewDoc, PersonExportDoc } from './dto/contact-privacy.dto';

/** GDPR: erase a contact, follow the erasure, export everything about a person. */
@ApiTags('admin: GDPR')
@ApiSecurity('apiKey')
@ApiBearerAuth()
@ApiResponse({ status: 401, type: ErrorBodyDoc, description: 'unauthorized' })
@ApiResponse({ status: 403, type: ErrorBodyDoc, description: 'forbidden: the credential lacks the scope' })
@Controller('api/v1')
export class ContactPrivacyController {
  constructor(private readonly privacy: ContactPrivacyService) {}

  @Post('contacts/:id/erase')
  @HttpCode(202)
  @RequireScope('admin:write')
  @ApiOperation({
    summary: 'Erase a contact (GDPR): every app redacts what it holds; its identities are suppressed',
    description:
      'Answers the erasure record: 202 when it starts now, 200 when the contact was erased before (the same erasure). ' +
      'Follow it at GET /api/v1/erasures/{id}; it completes within seconds.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({ status: 202, type: ErasureViewDoc, description: 'Erasure started' })
  @ApiOkResponse({ type: ErasureViewDoc, description: 'Erased before: that erasure' })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_id' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  async erase(
    @Caller() caller: Principal,
    @CallerWorkspace() workspaceId: string,
    @Param('id', UuidParamPipe) id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ErasureViewDoc> {
    const { view, created } = await this.privacy.erase(caller, workspaceId, id);
    if (!created) reply.status(200);
    return view;
  }

  @Get('erasures/:id')
  @RequireScope('admin:read')
  @ApiOperation({ summary: "An erasure: who asked, when, and each app's step; completed once every app recorded one" })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: ErasureViewDoc })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_id' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  erasure(@CallerWorkspace() workspaceId: string, @Param('id', UuidParamPipe) id: string): Promise<ErasureViewDoc> {
    return this.privacy.erasure(workspaceId, id);
  }

  @Get('contacts/:id/export')
  @RequireScope('admin:read')
  @ApiOperation({ summary: 'Everything LeadFlow holds about the person behind a contact, from every app, as one document' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: PersonExportDoc })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_id' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  export(@CallerWorkspace() workspaceId: string, @Param('id', UuidParamPipe) id: string): Promise<PersonExportDoc> {
    return this.privacy.export(workspaceId, id);
  }
}
