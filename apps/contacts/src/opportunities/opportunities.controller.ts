import {
  ByIdRequest,
  type OpportunityView,
  type OpportunityWriteReply,
  type Page,
  RpcSubjects,
  type StageMoveView,
} from '@leadflow/contracts';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { OpportunityCreateDto, OpportunityDeleteDto, OpportunityListDto, OpportunityUpdateDto } from './dto/opportunity-commands.dto';
import { OpportunitiesService } from './opportunities.service';

@Controller()
export class OpportunitiesController {
  constructor(private readonly opportunities: OpportunitiesService) {}

  @MessagePattern(RpcSubjects.contacts.opportunityCreate)
  create(@Payload() command: OpportunityCreateDto): Promise<OpportunityWriteReply> {
    return this.opportunities.create(command);
  }

  @MessagePattern(RpcSubjects.contacts.opportunityList)
  list(@Payload() query: OpportunityListDto): Promise<Page<OpportunityView>> {
    return this.opportunities.list(query);
  }

  @MessagePattern(RpcSubjects.contacts.opportunityGet)
  get(@Payload() query: ByIdRequest): Promise<OpportunityView> {
    return this.opportunities.get(query.workspaceId, query.id);
  }

  @MessagePattern(RpcSubjects.contacts.opportunityHistory)
  history(@Payload() query: ByIdRequest): Promise<StageMoveView[]> {
    return this.opportunities.history(query.workspaceId, query.id);
  }

  @MessagePattern(RpcSubjects.contacts.opportunityUpdate)
  update(@Payload() command: OpportunityUpdateDto): Promise<OpportunityWriteReply> {
    return this.opportunities.update(command);
  }

  @MessagePattern(RpcSubjects.contacts.opportunityDelete)
  delete(@Payload() command: OpportunityDeleteDto): Promise<OpportunityWriteReply> {
    return this.opportunities.delete(command);
  }
}
