import { RpcSubjects, type ScoringRuleView, type ScoringRuleWriteReply, type StageThresholdsView } from '@leadflow/contracts';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { RuleWriteDto, StagesPutDto, WorkspaceDto } from './dto/rules.dto';
import { RulesAdminService } from './rules-admin.service';

@Controller()
export class RulesController {
  constructor(private readonly admin: RulesAdminService) {}

  @MessagePattern(RpcSubjects.scoring.rulesList)
  list(@Payload() query: WorkspaceDto): Promise<ScoringRuleView[]> {
    return this.admin.list(query.workspaceId);
  }

  @MessagePattern(RpcSubjects.scoring.ruleCreate)
  create(@Payload() command: RuleWriteDto): Promise<ScoringRuleWriteReply> {
    return this.admin.create(command.workspaceId, command.rule ?? {});
  }

  @MessagePattern(RpcSubjects.scoring.rulePatch)
  patch(@Payload() command: RuleWriteDto): Promise<ScoringRuleWriteReply> {
    return this.admin.patch(command.workspaceId, command.id ?? '', command.rule ?? {});
  }

  @MessagePattern(RpcSubjects.scoring.ruleDelete)
  delete(@Payload() command: RuleWriteDto): Promise<ScoringRuleWriteReply> {
    return this.admin.delete(command.workspaceId, command.id ?? '');
  }

  @MessagePattern(RpcSubjects.scoring.stagesGet)
  stages(@Payload() query: WorkspaceDto): Promise<StageThresholdsView> {
    return this.admin.stages(query.workspaceId);
  }

  @MessagePattern(RpcSubjects.scoring.stagesPut)
  putStages(@Payload() command: StagesPutDto): Promise<{ thresholds: StageThresholdsView; before: StageThresholdsView }> {
    return this.admin.putStages(command.workspaceId, command);
  }
}
