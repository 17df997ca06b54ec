import type { ContactInsightsView, LeaderboardEntry, Page } from '@leadflow/contracts';
import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth/access-rules';
import { CallerWorkspace } from '../auth/caller-workspace.decorator';
import { ErrorBodyDoc } from '../http/error-body.doc';
import { UuidParamPipe } from '../http/path-params.pipe';
import { ContactInsightsDoc, LeaderboardPage, LeaderboardQueryDto } from './dto/scoring-reads.dto';
import { ScoringService } from './scoring.service';

@ApiTags('admin: scoring')
@ApiSecurity('apiKey')
@ApiBearerAuth()
@ApiResponse({ status: 401, type: ErrorBodyDoc, description: 'unauthorized' })
@ApiResponse({ status: 403, type: ErrorBodyDoc, description: 'forbidden: the credential lacks admin:read' })
@RequireScope('admin:read')
@Controller('api/v1')
export class ScoringReadsController {
  constructor(private readonly scoring: ScoringService) {}

  @Get('leaderboard')
  @ApiOperation({
    summary: 'Contacts by score, highest first (ties by id), optionally of one stage, in cursor pages; soft-deleted contacts leave it',
  })
  @ApiOkResponse({ type: LeaderboardPage })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_query, invalid_cursor' })
  leaderboard(@CallerWorkspace() workspaceId: string, @Query() query: LeaderboardQueryDto): Promise<Page<LeaderboardEntry>> {
    return this.scoring.leaderboard(workspaceId, { limit: query.limit, stage: query.stage, cursor: query.cursor });
  }

  @Get('contacts/:id/insights')
  @ApiOperation({ summary: "A contact's velocity, last activity, risk flag and suggested next action" })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: ContactInsightsDoc })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_id' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  insights(@CallerWorkspace() workspaceId: string, @Param('id', UuidParamPipe) id: string): Promise<ContactInsightsView> {
    return this.scoring.insights(workspaceId, id);
  }
}
