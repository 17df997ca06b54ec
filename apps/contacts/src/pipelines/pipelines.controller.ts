import { type PipelineView, type PipelineWriteReply, RpcSubjects } from '@leadflow/contracts';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { PipelineCreateDto, PipelineUpdateDto, WorkspaceRequestDto } from './dto/pipeline-commands.dto';
import { PipelinesService } from './pipelines.service';

@Controller()
export class PipelinesController {
  constructor(private readonly pipelines: PipelinesService) {}

  @MessagePattern(RpcSubjects.contacts.pipelineList)
  list(@Payload() query: WorkspaceRequestDto): Promise<PipelineView[]> {
    return this.pipelines.list(query.workspaceId);
  }

  @MessagePattern(RpcSubjects.contacts.pipelineCreate)
  create(@Payload() command: PipelineCreateDto): Promise<PipelineWriteReply> {
    return this.pipelines.create(command);
  }

  @MessagePattern(RpcSubjects.contacts.pipelineUpdate)
  update(@Payload() command: PipelineUpdateDto): Promise<PipelineWriteReply> {
    return this.pipelines.update(command);
  }
}
