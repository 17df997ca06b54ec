import { type Page } from '@leadflow/contracts';
import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth/access-rules';
import { CallerWorkspace } from '../auth/caller-workspace.decorator';
import { ErrorBodyDoc } from '../http/error-body.doc';
import { PageQueryDto } from '../http/page-query.dto';
import { cursorId } from '../http/path-params.pipe';
import { AuditLogService } from './audit-log.service';
import { type AuditEntryView, AuditPage } from './dto/audit-entry.dto';

/** The audit log of the caller's workspace. */
@ApiTags('audit')
@ApiSecurity('apiKey')
@ApiBearerAuth()
@ApiResponse({ status: 401, type: ErrorBodyDoc, description: 'unauthorized' })
@ApiResponse({ status: 403, type: ErrorBodyDoc, description: 'forbidden: the credential lacks admin:read' })
@Controller('api/v1/audit')
export class AuditController {
  constructor(private readonly audit: AuditLogService) {}

  @Get()
  @RequireScope('admin:read')
  @ApiOperation({ summary: 'Admin writes in this workspace, newest first: who, what, before and after, request id' })
  @ApiOkResponse({ type: AuditPage })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_query, invalid_cursor' })
  list(@CallerWorkspace() workspaceId: string, @Query() query: PageQueryDto): Promise<Page<AuditEntryView>> {
    return this.audit.list(workspaceId, query.limit, cursorId(query.cursor));
  }
}
