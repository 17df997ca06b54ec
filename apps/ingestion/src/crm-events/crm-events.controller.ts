import {
  type CrmEventView,
  type CrmIntegrationStatusView,
  type Page,
  type ReplayCrmEventsReply,
  RpcSubjects,
  type SetCrmIntegrationPausedReply,
  type StoreCrmWebhookReply,
} from '@leadflow/contracts';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { CrmEventsService } from './crm-events.service';
import {
  CrmEventListDto,
  CrmIntegrationOnlyDto,
  ReplayCrmEventsDto,
  RetryCrmEventDto,
  SetCrmIntegrationPausedDto,
  StoreCrmWebhookDto,
} from './dto/crm-requests.dto';

@Controller()
export class CrmEventsController {
  constructor(private readonly events: CrmEventsService) {}

  @MessagePattern(RpcSubjects.ingestion.crmWebhookStore)
  store(@Payload() request: StoreCrmWebhookDto): Promise<StoreCrmWebhookReply> {
    return this.events.store({ ...request, requestId: request.requestId ?? null });
  }

  @MessagePattern(RpcSubjects.ingestion.crmEventList)
  list(@Payload() query: CrmEventListDto): Promise<Page<CrmEventView>> {
    return this.events.list(query);
  }

  @MessagePattern(RpcSubjects.ingestion.crmEventRetry)
  retry(@Payload() request: RetryCrmEventDto): Promise<CrmEventView> {
    return this.events.retry(request);
  }

  @MessagePattern(RpcSubjects.ingestion.crmEventReplay)
  replay(@Payload() request: ReplayCrmEventsDto): Promise<ReplayCrmEventsReply> {
    return this.events.replay(request);
  }

  @MessagePattern(RpcSubjects.ingestion.crmIntegrationSetPaused)
  setPaused(@Payload() request: SetCrmIntegrationPausedDto): Promise<SetCrmIntegrationPausedReply> {
    return this.events.setPaused(request);
  }

  @MessagePattern(RpcSubjects.ingestion.crmIntegrationStatus)
  status(@Payload() request: CrmIntegrationOnlyDto): Promise<CrmIntegrationStatusView> {
    return this.events.status(request.integration);
  }
}
