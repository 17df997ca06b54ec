import type { ContactView } from '@leadflow/contracts';
import { Body, Controller, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RequireScope } from '../auth/access-rules';
import { Caller, type Principal } from '../auth/principal';
import { ErrorBodyDoc } from '../http/error-body.doc';
import { UuidParamPipe } from '../http/path-params.pipe';
import { etagOf } from '../http/preconditions';
import { ContactIdentityService } from './contact-identity.service';
import { ContactMergeBodyDto } from './dto/contact-identity.dto';
import { ContactRecordDoc } from './dto/contact-views.dto';

/** An admin's explicit merge of two contacts: the one merge activities never make (two identified people). */
@ApiTags('admin: contacts')
@ApiSecurity('apiKey')
@ApiBearerAuth()
@ApiResponse({ status: 401, type: ErrorBodyDoc, description: 'unauthorized' })
@ApiResponse({ status: 403, type: ErrorBodyDoc, description: 'forbidden: the credential lacks admin:write' })
@RequireScope('admin:write')
@Controller('api/v1/contacts')
export class ContactMergeController {
  constructor(private readonly identity: ContactIdentityService) {}

  @Post(':id/merge')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Merge this contact into intoId: identities, leads, activities and score history move over; both versions are bumped; audited',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: ContactRecordDoc, description: 'The surviving contact, with its ETag' })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_id, validation_failed' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found: either contact' })
  @ApiResponse({ status: 409, type: ErrorBodyDoc, description: 'merge_into_self, contact_deleted' })
  @ApiResponse({ status: 410, type: ErrorBodyDoc, description: 'contact_erased: either contact was erased (GDPR)' })
  async merge(
    @Caller() caller: Principal,
    @Param('id', UuidParamPipe) id: string,
    @Body() body: ContactMergeBodyDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ContactView> {
    const survivor = await this.identity.merge(caller, id, body.intoId.toLowerCase());
    void reply.header('ETag', etagOf(survivor.version));
    return survivor;
  }
}
