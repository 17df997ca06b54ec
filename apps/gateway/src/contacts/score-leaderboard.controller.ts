import { type LeaderboardEntry, RpcSubjects, type Stage, STAGES } from '@leadflow/contracts';
import { RpcClient } from '@leadflow/messaging';
import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth/access-rules';
import { CallerWorkspace } from '../auth/caller-workspace.decorator';
import { ErrorBodyDoc } from '../http/error-body.doc';
import { PageQueryDto } from '../http/page-query.dto';

class LeaderboardEntryDoc implements LeaderboardEntry {
  @ApiProperty({ format: 'uuid' }) contactId!: string;
  @ApiProperty({ example: 40 }) score!: number;
  @ApiProperty({ enum: STAGES }) stage!: Stage;
}

class LeaderboardDoc {
  @ApiProperty({ type: [LeaderboardEntryDoc] }) items!: LeaderboardEntryDoc[];
}

/** The highest-scored contacts, from scoring; soft-deleted contacts are not on it. */
@ApiTags('admin: contacts')
@ApiSecurity('apiKey')
@ApiBearerAuth()
@ApiResponse({ status: 401, type: ErrorBodyDoc, description: 'unauthorized' })
@ApiResponse({ status: 403, type: ErrorBodyDoc, description: 'forbidden: the credential lacks admin:read' })
@RequireScope('admin:read')
@Controller('api/v1/scores')
export class ScoreLeaderboardController {
  constructor(private readonly rpc: RpcClient) {}

  @Get('leaderboard')
  @ApiOperation({ summary: 'Contacts with the highest scores (limit, default 50); soft-deleted contacts leave it' })
  @ApiOkResponse({ type: LeaderboardDoc })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_query' })
  leaderboard(@CallerWorkspace() workspaceId: string, @Query() query: PageQueryDto): Promise<{ items: LeaderboardEntry[] }> {
    return this.rpc.request(RpcSubjects.scoring.leaderboard, { workspaceId, limit: query.limit });
  }
}
