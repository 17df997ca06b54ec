import { AppException, ErrorCodes, type ImportIssuePage, type ImportView, type Page } from '@leadflow/contracts';
import { Controller, Get, HttpCode, Param, Post, Query, Req, Res, StreamableFile } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiResponse,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RequireScope } from '../auth/access-rules';
import { CallerWorkspace } from '../auth/caller-workspace.decorator';
import { Caller, type Principal } from '../auth/principal';
import { bodyStream, StreamsBody } from '../http/body-parser';
import { ErrorBodyDoc } from '../http/error-body.doc';
import { PageQueryDto } from '../http/page-query.dto';
import { cursorId, UuidParamPipe } from '../http/path-params.pipe';
import { ImportIssuesQueryDto, ImportUploadQueryDto } from './dto/import-query.dto';
import { ImportIssuePageDoc, ImportPage, ImportViewDoc } from './dto/import-views.dto';
import { ImportsService, UploadTooLarge } from './imports.service';

@ApiTags('admin: imports')
@ApiSecurity('apiKey')
@ApiBearerAuth()
@ApiResponse({ status: 401, type: ErrorBodyDoc, description: 'unauthorized' })
@ApiResponse({ status: 403, type: ErrorBodyDoc, description: 'forbidden: the credential lacks the scope' })
@Controller('api/v1/imports')
export class ImportsController {
  constructor(private readonly imports: ImportsService) {}

  @Post()
  @HttpCode(202)
  @StreamsBody()
  @RequireScope('admin:write')
  @ApiOperation({
    summary: 'Import contacts from a CSV file (up to 100 MB), read in the background',
    description:
      'The body is the file, sent as text/csv. Rows whose email or phone already belongs to a contact are listed as duplicates ' +
      'and change nothing; rows that cannot be read are listed in the error report.',
  })
  @ApiConsumes('text/csv')
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiResponse({ status: 202, type: ImportViewDoc, description: 'Stored and queued' })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_mapping, invalid_query, invalid_payload (empty file)' })
  @ApiResponse({ status: 413, type: ErrorBodyDoc, description: 'payload_too_large' })
  @ApiResponse({ status: 415, type: ErrorBodyDoc, description: 'unsupported_media_type: send text/csv' })
  @ApiResponse({ status: 503, type: ErrorBodyDoc, description: 'unavailable' })
  async create(
    @Caller() caller: Principal,
    @Query() query: ImportUploadQueryDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ImportView> {
    const body = bodyStream(request);
    if (!body) throw new AppException(ErrorCodes.unsupportedMediaType, 'Send the file as text/csv');
    const declared = Number(request.headers['content-length']);
    try {
      return await this.imports.upload(caller, {
        body,
        declaredBytes: Number.isNaN(declared) ? undefined : declared,
        mapping: query.mapping,
        fileName: query.fileName,
      });
    } catch (error) {
      // The client may still be sending what nobody reads.
      if (error instanceof UploadTooLarge && !error.drained) void reply.header('Connection', 'close');
      throw error;
    }
  }

  @Get()
  @RequireScope('admin:read')
  @ApiOperation({ summary: 'Imports, newest first' })
  @ApiOkResponse({ type: ImportPage })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_query, invalid_cursor' })
  list(@CallerWorkspace() workspaceId: string, @Query() query: PageQueryDto): Promise<Page<ImportView>> {
    return this.imports.list(workspaceId, query.limit, cursorId(query.cursor));
  }

  @Get(':id')
  @RequireScope('admin:read')
  @ApiOperation({ summary: "An import's status and counts" })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: ImportViewDoc })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_id' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  get(@CallerWorkspace() workspaceId: string, @Param('id', UuidParamPipe) id: string): Promise<ImportView> {
    return this.imports.get(workspaceId, id);
  }

  @Get(':id/errors')
  @RequireScope('admin:read')
  @ApiOperation({ summary: 'The rows that could not be imported, as CSV: row, column, code, message, original_row' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiProduces('text/csv')
  @ApiOkResponse({ schema: { type: 'string' }, description: 'CSV, one line per problem, in row order' })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_id' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  async errors(@CallerWorkspace() workspaceId: string, @Param('id', UuidParamPipe) id: string): Promise<StreamableFile> {
    const report = await this.imports.errorReport(workspaceId, id);
    return new StreamableFile(report, { type: 'text/csv; charset=utf-8', disposition: `attachment; filename="import-${id}-errors.csv"` });
  }

  @Get(':id/duplicates')
  @RequireScope('admin:read')
  @ApiOperation({ summary: 'The rows whose email or phone already belonged to a contact, with that contact, in row order' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: ImportIssuePageDoc })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_id, invalid_query' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  duplicates(
    @CallerWorkspace() workspaceId: string,
    @Param('id', UuidParamPipe) id: string,
    @Query() query: ImportIssuesQueryDto,
  ): Promise<ImportIssuePage> {
    return this.imports.issues(workspaceId, id, 'duplicate', query.afterRow, query.limit);
  }
}
