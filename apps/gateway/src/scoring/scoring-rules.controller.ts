import type { Page, RecomputeView, ScoringRuleView, StageThresholdsView } from '@leadflow/contracts';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiResponse,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import { RequireScope } from '../auth/access-rules';
import { CallerWorkspace } from '../auth/caller-workspace.decorator';
import { Caller, type Principal } from '../auth/principal';
import { ErrorBodyDoc } from '../http/error-body.doc';
import { UuidParamPipe } from '../http/path-params.pipe';
import {
  RecomputeDto,
  RecomputeViewDoc,
  RuleCreateDto,
  RulePage,
  RulePatchDto,
  RuleViewDoc,
  StageThresholdsDto,
} from './dto/scoring-rule.dto';
import { ScoringService } from './scoring.service';

@ApiTags('admin: scoring')
@ApiSecurity('apiKey')
@ApiBearerAuth()
@ApiResponse({ status: 401, type: ErrorBodyDoc, description: 'unauthorized' })
@ApiResponse({ status: 403, type: ErrorBodyDoc, description: 'forbidden: the credential lacks admin:read (reads) or admin:write (writes)' })
@Controller('api/v1/scoring')
export class ScoringRulesController {
  constructor(private readonly scoring: ScoringService) {}

  @Get('rules')
  @RequireScope('admin:read')
  @ApiOperation({ summary: "The workspace's scoring rules (the defaults until changed)" })
  @ApiOkResponse({ type: RulePage })
  rules(@CallerWorkspace() workspaceId: string): Promise<Page<ScoringRuleView>> {
    return this.scoring.rules(workspaceId);
  }

  @Post('rules')
  @HttpCode(201)
  @RequireScope('admin:write')
  @ApiOperation({ summary: 'Add a rule; it scores activities from now on (recompute rescores the past)' })
  @ApiCreatedResponse({ type: RuleViewDoc })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_payload, validation_failed, invalid_rule' })
  @ApiResponse({ status: 409, type: ErrorBodyDoc, description: 'rule_exists' })
  create(@Caller() caller: Principal, @CallerWorkspace() workspaceId: string, @Body() body: RuleCreateDto): Promise<ScoringRuleView> {
    return this.scoring.createRule(caller, workspaceId, body);
  }

  @Patch('rules/:id')
  @RequireScope('admin:write')
  @ApiOperation({ summary: 'Change a rule (points, conditions, caps, decay, active…)' })
  @ApiParam({ name: 'id', example: 'page_view' })
  @ApiOkResponse({ type: RuleViewDoc })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_payload, validation_failed, invalid_rule' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  patch(
    @Caller() caller: Principal,
    @CallerWorkspace() workspaceId: string,
    @Param('id') id: string,
    @Body() body: RulePatchDto,
  ): Promise<ScoringRuleView> {
    return this.scoring.patchRule(caller, workspaceId, id, body);
  }

  @Delete('rules/:id')
  @HttpCode(204)
  @RequireScope('admin:write')
  @ApiOperation({ summary: 'Remove a rule (a deleted default rule is not seeded again)' })
  @ApiParam({ name: 'id', example: 'page_view' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  async delete(@Caller() caller: Principal, @CallerWorkspace() workspaceId: string, @Param('id') id: string): Promise<void> {
    await this.scoring.deleteRule(caller, workspaceId, id);
  }

  @Get('stages')
  @RequireScope('admin:read')
  @ApiOperation({ summary: 'Stage thresholds: cold below warm, warm below hot, hot below qualified' })
  @ApiOkResponse({ type: StageThresholdsDto })
  stages(@CallerWorkspace() workspaceId: string): Promise<StageThresholdsView> {
    return this.scoring.stages(workspaceId);
  }

  @Put('stages')
  @RequireScope('admin:write')
  @ApiOperation({ summary: 'Replace the stage thresholds (warm < hot < qualified); recompute applies them to existing scores' })
  @ApiOkResponse({ type: StageThresholdsDto })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_payload, validation_failed, invalid_thresholds' })
  putStages(
    @Caller() caller: Principal,
    @CallerWorkspace() workspaceId: string,
    @Body() body: StageThresholdsDto,
  ): Promise<StageThresholdsView> {
    return this.scoring.putStages(caller, workspaceId, { warm: body.warm, hot: body.hot, qualified: body.qualified });
  }

  @Post('recompute')
  @HttpCode(202)
  @RequireScope('admin:write')
  @ApiOperation({ summary: 'Rescore contacts (all, or a stage, or ids) in the background; dryRun counts stage changes under draft rules' })
  @ApiAcceptedResponse({ type: RecomputeViewDoc })
  @ApiResponse({
    status: 400,
    type: ErrorBodyDoc,
    description: 'invalid_payload, validation_failed, invalid_rule, invalid_thresholds, invalid_id',
  })
  recompute(@Caller() caller: Principal, @CallerWorkspace() workspaceId: string, @Body() body: RecomputeDto): Promise<RecomputeView> {
    return this.scoring.recompute(caller, workspaceId, body);
  }

  @Get('recompute/:id')
  @RequireScope('admin:read')
  @ApiOperation({ summary: 'Progress of a recompute run (done of total) and its stage changes' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: RecomputeViewDoc })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_id' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  recomputeRun(@CallerWorkspace() workspaceId: string, @Param('id', UuidParamPipe) id: string): Promise<RecomputeView> {
    return this.scoring.recomputeRun(workspaceId, id);
  }
}
