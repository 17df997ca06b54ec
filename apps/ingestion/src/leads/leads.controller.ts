import {
  type BatchItemResult,
  type IngestBatchReply,
  type IngestLeadGroupReply,
  type LeadSummary,
  type LeadView,
  type Page,
} from '@leadflow/contracts';
import { ByIdRequest, RpcSubjects } from '@leadflow/contracts';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { IngestBatchDto, IngestLeadGroupDto } from './dto/intake-request.dto';
import { LeadListDto } from './dto/lead-query.dto';
import { LeadIntakeService } from './lead-intake.service';
import { LeadQueryService } from './lead-query.service';

@Controller()
export class LeadsController {
  constructor(
    private readonly intake: LeadIntakeService,
    private readonly leads: LeadQueryService,
  ) {}

  @MessagePattern(RpcSubjects.ingestion.leadIngestGroup)
  async ingestGroup(@Payload() request: IngestLeadGroupDto): Promise<IngestLeadGroupReply> {
    return { results: await this.intake.ingestGroup(request.items.map((item) => ({ ...item, requestId: item.requestId ?? null }))) };
  }

  @MessagePattern(RpcSubjects.ingestion.leadIngestBatch)
  async ingestBatch(@Payload() request: IngestBatchDto): Promise<IngestBatchReply> {
    const results: BatchItemResult[] = await this.intake.ingestBatch(request);
    return { results };
  }

  @MessagePattern(RpcSubjects.ingestion.leadList)
  list(@Payload() query: LeadListDto): Promise<Page<LeadSummary>> {
    return this.leads.list(query);
  }

  @MessagePattern(RpcSubjects.ingestion.leadGet)
  get(@Payload() query: ByIdRequest): Promise<LeadView> {
    return this.leads.get(query);
  }
}
