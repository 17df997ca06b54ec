import {
  DEFAULT_WORKSPACE_ID,
  DownstreamException,
  ErrorCodes,
  type LeadContactReply,
  type LeadListQuery,
  type LeadSummary,
  type LeadView,
  type Page,
  RpcSubjects,
} from '@leadflow/contracts';
import { RpcClient } from '@leadflow/messaging';
import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ErrorBodyDoc } from '../openapi/error-body.doc';
import { AdminAuthGuard } from './admin-auth.guard';
import { cursorId, UuidParamPipe } from './admin-pipes';
import { LeadsQueryDto } from './dto/leads-query.dto';
import { emailFilter, instantRange } from './query-values';

@ApiTags('admin: leads')
@ApiBearerAuth()
@ApiResponse({ status: 401, type: ErrorBodyDoc, description: 'unauthorized' })
@UseGuards(AdminAuthGuard)
@Controller('api/v1/leads')
export class LeadsAdminController {
  constructor(private readonly rpc: RpcClient) {}

  @Get()
  @ApiOperation({ summary: 'Leads, newest first' })
  @ApiResponse({ status: 200, description: '{ items: [...], nextCursor }' })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_query, invalid_cursor' })
  list(@Query() query: LeadsQueryDto): Promise<Page<LeadSummary>> {
    const request: LeadListQuery = {
      workspaceId: DEFAULT_WORKSPACE_ID,
      limit: query.limit,
      cursor: cursorId(query.cursor),
      source: query.source,
      offer: query.offer,
      email: emailFilter(query.email),
      ...instantRange(query.from, query.to),
    };
    return this.rpc.request(RpcSubjects.ingestion.leadList, request);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One lead: normalized fields, the raw payload as received, parse issues, its contact' })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_id' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  async get(@Param('id', UuidParamPipe) id: string): Promise<LeadView> {
    const query = { workspaceId: DEFAULT_WORKSPACE_ID, id };
    const [lead, contact] = await Promise.all([
      this.rpc.request<LeadView>(RpcSubjects.ingestion.leadGet, query),
      this.rpc.request<LeadContactReply>(RpcSubjects.contacts.leadContact, query).catch((error: unknown) => {
        // Not attributed yet is an answer; contacts being down is not.
        if (error instanceof DownstreamException && error.code === ErrorCodes.notFound) return { contactId: null };
        throw error;
      }),
    ]);
    return { ...lead, contactId: contact.contactId };
  }
}
