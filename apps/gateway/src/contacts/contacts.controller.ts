import { type ContactSummary, type Page, type ScoreView } from '@leadflow/contracts';
import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth/access-rules';
import { CallerWorkspace } from '../auth/caller-workspace.decorator';
import { ErrorBodyDoc } from '../http/error-body.doc';
import { cursorId, UuidParamPipe } from '../http/path-params.pipe';
import { emailFilter, phoneFilter } from '../http/query-values';
import { ContactsService } from './contacts.service';
import { ContactPage, ContactWithScore, ScoreViewDoc } from './dto/contact-views.dto';
import { ContactsQueryDto } from './dto/contacts-query.dto';

@ApiTags('admin: contacts')
@ApiSecurity('apiKey')
@ApiBearerAuth()
@ApiResponse({ status: 401, type: ErrorBodyDoc, description: 'unauthorized' })
@ApiResponse({ status: 403, type: ErrorBodyDoc, description: 'forbidden: the credential lacks admin:read' })
@RequireScope('admin:read')
@Controller('api/v1/contacts')
export class ContactsController {
  constructor(private readonly contacts: ContactsService) {}

  @Get()
  @ApiOperation({ summary: 'Contacts, newest first; filter by email or phone' })
  @ApiOkResponse({ type: ContactPage })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_query, invalid_cursor' })
  list(@CallerWorkspace() workspaceId: string, @Query() query: ContactsQueryDto): Promise<Page<ContactSummary>> {
    return this.contacts.list({
      workspaceId,
      limit: query.limit,
      cursor: cursorId(query.cursor),
      email: emailFilter(query.email),
      phone: phoneFilter(query.phone),
    });
  }

  @Get(':id')
  @ApiOperation({ summary: 'One contact with its lead ids, score and stage (a merged id answers its survivor)' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: ContactWithScore })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_id' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  get(@CallerWorkspace() workspaceId: string, @Param('id', UuidParamPipe) id: string): Promise<ContactWithScore> {
    return this.contacts.get(workspaceId, id);
  }

  @Get(':id/score')
  @ApiOperation({ summary: "A contact's score, stage and the history that makes them" })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: ScoreViewDoc })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_id' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  score(@CallerWorkspace() workspaceId: string, @Param('id', UuidParamPipe) id: string): Promise<ScoreView> {
    return this.contacts.score(workspaceId, id);
  }
}
