import {
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
import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ErrorBodyDoc } from '../openapi/error-body.doc';
import { RequireScope } from '../access/access-rules';
import { Caller, type Principal } from '../access/principal';
import { cursorId, UuidParamPipe } from './admin-pipes';
import { LeadsQueryDto } from './dto/leads-query.dto';
import { emailFilter, instantRange } from './query-values';

@ApiTags('admin: leads')
@ApiBearerAuth()
@ApiResponse({ status: 401, type: ErrorBodyDoc, description: 'unauthorized' })
@ApiResponse({ status: 403, type: ErrorBodyDoc, description: 'forbidden: the credential lacks admin:read' })
@RequireScope('admin:read')
@Controller('api/v1/leads')
export class LeadsAdminController {
  constructor(private readonly rpc: RpcClient) {}

  @Get()
  @ApiOperation({ summary: 'Leads, newest first' })
  @ApiResponse({ status: 200, description: '{ items: [...], nextCursor }' })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_query, invalid_cursor' })
  list(@Caller() caller: Principal, @Query() query: LeadsQueryDto): Promise<Page<LeadSummary>> {
    const request: LeadListQuery = {
      workspaceId: caller.workspaceId,
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
  async get(@Caller() caller: Principal, @Param('id', UuidParamPipe) id: string): Promise<LeadView> {
    const query = { workspaceId: caller.workspaceId, id };
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
