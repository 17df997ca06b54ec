import { type ContactLeadEntry, type ContactSummary, type ContactView, type Page, type ScoreView } from '@leadflow/contracts';
import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Put, Query, Res, UseFilters } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiResponse,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RequireScope } from '../auth/access-rules';
import { CallerWorkspace } from '../auth/caller-workspace.decorator';
import { Caller, type Principal } from '../auth/principal';
import { TakesMergePatch } from '../http/body-parser';
import { ErrorBodyDoc } from '../http/error-body.doc';
import { cursorId, UuidParamPipe } from '../http/path-params.pipe';
import { PageQueryDto } from '../http/page-query.dto';
import { ApiConditionalWrite, ifMatchVersions, sendETag } from '../http/preconditions';
import { emailFilter, instantOf, phoneFilter } from '../http/query-values';
import { ContactConflictFilter } from './contact-conflict';
import { ContactsService } from './contacts.service';
import { ContactFieldsDto } from './dto/contact-write.dto';
import {
  ContactLeadPage,
  ContactPage,
  ContactRecordDoc,
  ContactWithScore,
  ScoreViewDoc,
  VersionConflictDoc,
} from './dto/contact-views.dto';
import { ContactsQueryDto } from './dto/contacts-query.dto';

/** The ETag of the contact answered. */
function tagged<T extends { version: number }>(reply: FastifyReply, contact: T): T {
  sendETag(reply, contact.version);
  return contact;
}

@ApiTags('admin: contacts')
@ApiSecurity('apiKey')
@ApiBearerAuth()
@ApiResponse({ status: 401, type: ErrorBodyDoc, description: 'unauthorized' })
@ApiResponse({ status: 403, type: ErrorBodyDoc, description: 'forbidden: the credential lacks admin:read (reads) or admin:write (writes)' })
@RequireScope('admin:read')
@UseFilters(ContactConflictFilter)
@Controller('api/v1/contacts')
export class ContactsController {
  constructor(private readonly contacts: ContactsService) {}

  @Get()
  @ApiOperation({ summary: 'Contacts, newest first or sorted; filter by email, phone, owner, tag, stage, lifecycle, update time or text' })
  @ApiOkResponse({ type: ContactPage })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_query, invalid_cursor' })
  list(@CallerWorkspace() workspaceId: string, @Query() query: ContactsQueryDto): Promise<Page<ContactSummary>> {
    return this.contacts.list({
      workspaceId,
      limit: query.limit,
      // Sorted lists page with keyset cursors, which contacts reads; unsorted ones with the id a cursor holds.
      cursor: query.sort ? query.cursor : cursorId(query.cursor),
      email: emailFilter(query.email),
      phone: phoneFilter(query.phone),
      ownerId: query.owner?.toLowerCase(),
      tag: query.tag?.trim(),
      stage: query.stage,
      lifecycle: query.lifecycle,
      updatedSince: instantOf(query.updatedSince, 'from'),
      q: query.q?.trim() || undefined,
      sort: query.sort,
      order: query.order,
      includeDeleted: query.include === 'deleted',
    });
  }

  @Post()
  @RequireScope('admin:write')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a contact; its email and phone must not identify another contact' })
  @ApiCreatedResponse({ type: ContactRecordDoc, description: 'With ETag and Location' })
  @ApiResponse({
    status: 400,
    type: ErrorBodyDoc,
    description: 'validation_failed, invalid_email, invalid_phone, invalid_country, invalid_owner, properties_too_large',
  })
  @ApiResponse({
    status: 409,
    type: ErrorBodyDoc,
    description: 'identity_conflict: error.contactId holds the email or phone; identity_erased: an erased person’s email or phone',
  })
  async create(
    @Caller() caller: Principal,
    @Body() body: ContactFieldsDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ContactView> {
    const contact = await this.contacts.create(caller, body);
    void reply.header('Location', `/api/v1/contacts/${contact.id}`);
    return tagged(reply, contact);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One contact with its lead ids, score and stage (a merged id answers its survivor), with its ETag' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: ContactWithScore })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_id' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  async get(
    @CallerWorkspace() workspaceId: string,
    @Param('id', UuidParamPipe) id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ContactWithScore> {
    return tagged(reply, await this.contacts.get(workspaceId, id));
  }

  @Put(':id')
  @RequireScope('admin:write')
  @ApiOperation({ summary: 'Replace a contact: fields left out are emptied. Needs If-Match' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiConditionalWrite(VersionConflictDoc)
  @ApiOkResponse({ type: ContactRecordDoc })
  @ApiResponse({
    status: 400,
    type: ErrorBodyDoc,
    description: 'invalid_id, invalid_precondition, validation_failed, invalid_email, invalid_phone, …',
  })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  @ApiResponse({ status: 409, type: ErrorBodyDoc, description: 'identity_conflict, identity_erased' })
  @ApiResponse({ status: 410, type: ErrorBodyDoc, description: 'contact_erased: the contact was erased (GDPR)' })
  async replace(
    @Caller() caller: Principal,
    @Param('id', UuidParamPipe) id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Body() body: ContactFieldsDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ContactView> {
    return tagged(reply, await this.contacts.replace(caller, id, ifMatchVersions(ifMatch), body));
  }

  @Patch(':id')
  @RequireScope('admin:write')
  @TakesMergePatch()
  @ApiOperation({ summary: 'Change a contact with a JSON Merge Patch (RFC 7396): null removes a field. Needs If-Match' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiConditionalWrite(VersionConflictDoc)
  @ApiConsumes('application/merge-patch+json')
  @ApiBody({ type: ContactFieldsDto })
  @ApiOkResponse({ type: ContactRecordDoc })
  @ApiResponse({
    status: 400,
    type: ErrorBodyDoc,
    description: 'invalid_id, invalid_precondition, validation_failed, invalid_email, invalid_phone, …',
  })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  @ApiResponse({ status: 409, type: ErrorBodyDoc, description: 'identity_conflict, identity_erased' })
  @ApiResponse({ status: 410, type: ErrorBodyDoc, description: 'contact_erased: the contact was erased (GDPR)' })
  @ApiResponse({ status: 415, type: ErrorBodyDoc, description: 'unsupported_media_type: not application/merge-patch+json' })
  async patch(
    @Caller() caller: Principal,
    @Param('id', UuidParamPipe) id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Body() body: ContactFieldsDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ContactView> {
    return tagged(reply, await this.contacts.patch(caller, id, ifMatchVersions(ifMatch), body));
  }

  @Delete(':id')
  @RequireScope('admin:write')
  @ApiOperation({ summary: 'Soft-delete a contact: lists hide it unless include=deleted; it can be restored. Needs If-Match' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiConditionalWrite(VersionConflictDoc)
  @ApiOkResponse({ type: ContactRecordDoc, description: 'The contact, deletedAt set' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  @ApiResponse({ status: 410, type: ErrorBodyDoc, description: 'contact_erased' })
  async remove(
    @Caller() caller: Principal,
    @Param('id', UuidParamPipe) id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ContactView> {
    return tagged(reply, await this.contacts.remove(caller, id, ifMatchVersions(ifMatch)));
  }

  @Post(':id/restore')
  @RequireScope('admin:write')
  @HttpCode(200)
  @ApiOperation({ summary: 'Restore a soft-deleted contact. Needs If-Match' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiConditionalWrite(VersionConflictDoc)
  @ApiOkResponse({ type: ContactRecordDoc })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  @ApiResponse({ status: 410, type: ErrorBodyDoc, description: 'contact_erased' })
  async restore(
    @Caller() caller: Principal,
    @Param('id', UuidParamPipe) id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ContactView> {
    return tagged(reply, await this.contacts.restore(caller, id, ifMatchVersions(ifMatch)));
  }

  @Get(':id/leads')
  @ApiOperation({ summary: 'The leads attributed to a contact, newest first' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: ContactLeadPage })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_id, invalid_query, invalid_cursor' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  leads(
    @CallerWorkspace() workspaceId: string,
    @Param('id', UuidParamPipe) id: string,
    @Query() query: PageQueryDto,
  ): Promise<Page<ContactLeadEntry>> {
    return this.contacts.leads({ workspaceId, id, limit: query.limit, cursor: cursorId(query.cursor) });
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
