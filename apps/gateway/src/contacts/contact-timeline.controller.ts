import { AppException, decodeTimelineCursor, encodeTimelineCursor, ErrorCodes } from '@leadflow/contracts';
import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth/access-rules';
import { CallerWorkspace } from '../auth/caller-workspace.decorator';
import { ErrorBodyDoc } from '../http/error-body.doc';
import { UuidParamPipe } from '../http/path-params.pipe';
import { ContactIdentityService } from './contact-identity.service';
import { TimelinePageDoc, TimelineQueryDto } from './dto/contact-identity.dto';

/** A contact's timeline: leads, activities, merges, score and stage changes, newest first. */
@ApiTags('admin: contacts')
@ApiSecurity('apiKey')
@ApiBearerAuth()
@ApiResponse({ status: 401, type: ErrorBodyDoc, description: 'unauthorized' })
@ApiResponse({ status: 403, type: ErrorBodyDoc, description: 'forbidden: the credential lacks admin:read' })
@RequireScope('admin:read')
@Controller('api/v1/contacts')
export class ContactTimelineController {
  constructor(private readonly identity: ContactIdentityService) {}

  @Get(':id/timeline')
  @ApiOperation({
    summary:
      "A contact's timeline, newest first, in pages: leads, activities, merges, score and stage changes (partial names an app that did not answer)",
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: TimelinePageDoc })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_id, invalid_query, invalid_cursor' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  async timeline(
    @CallerWorkspace() workspaceId: string,
    @Param('id', UuidParamPipe) id: string,
    @Query() query: TimelineQueryDto,
  ): Promise<TimelinePageDoc> {
    const before = query.cursor === undefined ? undefined : decodeTimelineCursor(query.cursor);
    if (before === null) throw new AppException(ErrorCodes.invalidCursor, 'The cursor is not valid; use nextCursor from the previous page');
    const page = await this.identity.timeline(workspaceId, id, query.limit, before);
    return { ...page, nextCursor: page.nextCursor ? encodeTimelineCursor(page.nextCursor) : null };
  }
}
