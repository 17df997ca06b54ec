import {
  type ContactListQuery,
  type ContactSummary,
  type ContactView,
  DownstreamException,
  ErrorCodes,
  type Page,
  RpcSubjects,
  type ScoreView,
  type Stage,
} from '@leadflow/contracts';
import { RpcClient } from '@leadflow/messaging';
import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ErrorBodyDoc } from '../openapi/error-body.doc';
import { RequireScope } from '../access/access-rules';
import { Caller, type Principal } from '../access/principal';
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
@ApiResponse({ status: 403, type: ErrorBodyDoc, description: 'forbidden: the credential lacks admin:read' })
@RequireScope('admin:read')
@Controller('api/v1/contacts')
export class ContactsAdminController {
  constructor(private readonly rpc: RpcClient) {}

  @Get()
  @ApiOperation({ summary: 'Contacts, newest first; filter by email or phone' })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_query, invalid_cursor' })
  list(@Caller() caller: Principal, @Query() query: ContactsQueryDto): Promise<Page<ContactSummary>> {
    const request: ContactListQuery = {
      workspaceId: caller.workspaceId,
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
  async get(@Caller() caller: Principal, @Param('id', UuidParamPipe) id: string): Promise<ContactWithScore> {
    const contact = await this.contact(caller, id);
    const score = await this.score(caller, contact.id);
    return { ...contact, score: score.score, stage: score.stage };
  }

  @Get(':id/score')
  @ApiOperation({ summary: "A contact's score, stage and the history that makes them" })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_id' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  async score(@Caller() caller: Principal, @Param('id', UuidParamPipe) id: string): Promise<ScoreView> {
    const contact = await this.contact(caller, id);
    try {
      return await this.rpc.request<ScoreView>(RpcSubjects.scoring.scoreGet, { workspaceId: caller.workspaceId, id: contact.id });
    } catch (error) {
      // Scoring has not seen an activity of this contact yet.
      if (error instanceof DownstreamException && error.code === ErrorCodes.notFound) {
        return { contactId: contact.id, score: 0, stage: 'cold', history: [] };
      }
      throw error;
    }
  }

  private contact(caller: Principal, id: string): Promise<ContactView> {
    return this.rpc.request<ContactView>(RpcSubjects.contacts.contactGet, { workspaceId: caller.workspaceId, id });
  }
}
