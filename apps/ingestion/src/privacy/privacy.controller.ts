import {
  type AddSuppressionReply,
  AddSuppressionRequest,
  ByIdRequest,
  type ErasureStepReply,
  ErasureStepRequest,
  LeadExportRequest,
  type LeadExportReply,
  type Page,
  RejectedExportRequest,
  type RejectedExportReply,
  RpcSubjects,
  SuppressionListRequest,
  type SuppressionView,
} from '@leadflow/contracts';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { PrivacyService } from './privacy.service';

@Controller()
export class PrivacyController {
  constructor(private readonly privacy: PrivacyService) {}

  @MessagePattern(RpcSubjects.ingestion.suppressionList)
  listSuppressions(@Payload() query: SuppressionListRequest): Promise<Page<SuppressionView>> {
    return this.privacy.listSuppressions(query);
  }

  @MessagePattern(RpcSubjects.ingestion.suppressionAdd)
  addSuppression(@Payload() request: AddSuppressionRequest): Promise<AddSuppressionReply> {
    return this.privacy.addSuppression(request);
  }

  @MessagePattern(RpcSubjects.ingestion.suppressionRemove)
  removeSuppression(@Payload() query: ByIdRequest): Promise<SuppressionView> {
    return this.privacy.removeSuppression(query);
  }

  @MessagePattern(RpcSubjects.ingestion.leadExport)
  exportLeads(@Payload() request: LeadExportRequest): Promise<LeadExportReply> {
    return this.privacy.exportLeads(request);
  }

  @MessagePattern(RpcSubjects.ingestion.rejectedExport)
  exportRejected(@Payload() request: RejectedExportRequest): Promise<RejectedExportReply> {
    return this.privacy.exportRejected(request);
  }

  @MessagePattern(RpcSubjects.ingestion.erasureStep)
  erasureStep(@Payload() request: ErasureStepRequest): Promise<ErasureStepReply> {
    return this.privacy.erasureStep(request);
  }
}
