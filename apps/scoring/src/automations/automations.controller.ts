import {
  type AutomationBackfillView,
  type AutomationRunView,
  type AutomationView,
  type AutomationWriteReply,
  type Page,
  RpcSubjects,
} from '@leadflow/contracts';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { AutomationsAdminService } from './automations-admin.service';
import {
  AutomationCreateDto,
  AutomationPageDto,
  AutomationPatchDto,
  AutomationRefDto,
  AutomationRunsDto,
  AutomationVersionedDto,
} from './dto/automations.dto';

@Controller()
export class AutomationsController {
  constructor(private readonly admin: AutomationsAdminService) {}

  @MessagePattern(RpcSubjects.scoring.automationList)
  list(@Payload() query: AutomationPageDto): Promise<Page<AutomationView>> {
    return this.admin.list(query.workspaceId, query);
  }

  @MessagePattern(RpcSubjects.scoring.automationGet)
  get(@Payload() query: AutomationRefDto): Promise<AutomationView> {
    return this.admin.get(query.workspaceId, query.id);
  }

  @MessagePattern(RpcSubjects.scoring.automationCreate)
  create(@Payload() command: AutomationCreateDto): Promise<AutomationWriteReply> {
    return this.admin.create(command.workspaceId, command.automation, command.runForExisting ?? false);
  }

  @MessagePattern(RpcSubjects.scoring.automationPatch)
  patch(@Payload() command: AutomationPatchDto): Promise<AutomationWriteReply> {
    return this.admin.patch(command.workspaceId, command.id, command.automation, command.ifMatch);
  }

  @MessagePattern(RpcSubjects.scoring.automationDelete)
  delete(@Payload() command: AutomationVersionedDto): Promise<AutomationWriteReply> {
    return this.admin.delete(command.workspaceId, command.id, command.ifMatch);
  }

  @MessagePattern(RpcSubjects.scoring.automationRuns)
  runs(@Payload() query: AutomationRunsDto): Promise<Page<AutomationRunView>> {
    return this.admin.runs(query.workspaceId, query.id, query);
  }

  @MessagePattern(RpcSubjects.scoring.automationBackfillStart)
  startBackfill(@Payload() command: AutomationRefDto): Promise<AutomationBackfillView> {
    return this.admin.startBackfill(command.workspaceId, command.id);
  }

  @MessagePattern(RpcSubjects.scoring.automationBackfillGet)
  backfill(@Payload() query: AutomationRefDto): Promise<AutomationBackfillView> {
    return this.admin.backfill(query.workspaceId, query.id);
  }
}
