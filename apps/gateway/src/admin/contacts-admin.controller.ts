import {
  type ContactListQuery,
  type ContactSummary,
  type ContactView,
  DEFAULT_WORKSPACE_ID,
  DownstreamException,
  ErrorCodes,
  type Page,
  RpcSubjects,
  type ScoreView,
  type Stage,
} from '@leadflow/contracts';
import { RpcClient } from '@leadflow/messaging';
import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ErrorBodyDoc } from '../openapi/error-body.doc';
import { AdminAuthGuard } from './admin-auth.guard';
import { cursorId, UuidParamPipe } from './admin-pipes';
import { ContactsQueryDto } from './dto/contacts-query.dto';
import { emailFilter, phoneFilter } from './query-values';

export interface ContactWithScore extends ContactView {
  score: number;
  stage: Stage;
}

@ApiTags('admin: contacts')
@ApiBearerAuth()
@ApiResponse({ status: 401, type: ErrorBodyDoc, description: 'unauthorized' })
@UseGuards(AdminAuthGuard)
@Controller('api/v1/contacts')
export class ContactsAdminController {
  constructor(private readonly rpc: RpcClient) {}

  @Get()
  @ApiOperation({ summary: 'Contacts, newest first; filter by email or phone' })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_query, invalid_cursor' })
  list(@Query() query: ContactsQueryDto): Promise<Page<ContactSummary>> {
    const request: ContactListQuery = {
      workspaceId: DEFAULT_WORKSPACE_ID,
      limit: query.limit,
      cursor: cursorId(query.cursor),
      email: emailFilter(query.email),
      phone: phoneFilter(query.phone),
    };
    return this.rpc.request(RpcSubjects.contacts.contactList, request);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One contact with its lead ids, score and stage (a merged id answers its survivor)' })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_id' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  async get(@Param('id', UuidParamPipe) id: string): Promise<ContactWithScore> {
    const contact = await this.contact(id);
    const score = await this.score(contact.id);
    return { ...contact, score: score.score, stage: score.stage };
  }

  @Get(':id/score')
  @ApiOperation({ summary: "A contact's score, stage and the history that makes them" })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_id' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  async score(@Param('id', UuidParamPipe) id: string): Promise<ScoreView> {
    const contact = await this.contact(id);
    try {
      return await this.rpc.request<ScoreView>(RpcSubjects.scoring.scoreGet, { workspaceId: DEFAULT_WORKSPACE_ID, id: contact.id });
    } catch (error) {
      // Scoring has not seen an activity of this contact yet.
      if (error instanceof DownstreamException && error.code === ErrorCodes.notFound) {
        return { contactId: contact.id, score: 0, stage: 'cold', history: [] };
      }
      throw error;
    }
  }

  private contact(id: string): Promise<ContactView> {
    return this.rpc.request<ContactView>(RpcSubjects.contacts.contactGet, { workspaceId: DEFAULT_WORKSPACE_ID, id });
  }
}
