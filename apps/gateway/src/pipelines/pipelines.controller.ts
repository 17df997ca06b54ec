import { type Page, type PipelineView } from '@leadflow/contracts';
import { Body, Controller, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
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
import { CreatePipelineDto, PipelinePage, PipelineViewDoc, UpdatePipelineDto } from './dto/pipeline.dto';
import { PipelinesService } from './pipelines.service';

@ApiTags('admin: opportunities')
@ApiSecurity('apiKey')
@ApiBearerAuth()
@ApiResponse({ status: 401, type: ErrorBodyDoc, description: 'unauthorized' })
@ApiResponse({ status: 403, type: ErrorBodyDoc, description: 'forbidden: the credential lacks the scope' })
@Controller('api/v1/pipelines')
export class PipelinesController {
  constructor(private readonly pipelines: PipelinesService) {}

  @Get()
  @RequireScope('admin:read')
  @ApiOperation({ summary: "The workspace's pipelines, the default one first (made when first asked for)" })
  @ApiOkResponse({ type: PipelinePage })
  list(@CallerWorkspace() workspaceId: string): Promise<Page<PipelineView>> {
    return this.pipelines.list(workspaceId);
  }

  @Post()
  @HttpCode(201)
  @RequireScope('admin:write')
  @ApiOperation({ summary: 'Create a pipeline with its stages' })
  @ApiCreatedResponse({ type: PipelineViewDoc })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_payload, validation_failed' })
  @ApiResponse({ status: 409, type: ErrorBodyDoc, description: 'name_taken' })
  create(@Caller() caller: Principal, @CallerWorkspace() workspaceId: string, @Body() body: CreatePipelineDto): Promise<PipelineView> {
    return this.pipelines.create(caller, workspaceId, { name: body.name, stages: body.stages });
  }

  @Patch(':id')
  @RequireScope('admin:write')
  @ApiOperation({ summary: 'Rename a pipeline or replace its stages' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: PipelineViewDoc })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_id, invalid_payload, validation_failed' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  @ApiResponse({ status: 409, type: ErrorBodyDoc, description: 'name_taken, stage_in_use' })
  update(
    @Caller() caller: Principal,
    @CallerWorkspace() workspaceId: string,
    @Param('id', UuidParamPipe) id: string,
    @Body() body: UpdatePipelineDto,
  ): Promise<PipelineView> {
    return this.pipelines.update(caller, workspaceId, id, { name: body.name, stages: body.stages });
  }
}
