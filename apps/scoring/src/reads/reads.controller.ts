import { type ContactInsightsView, RpcSubjects, type ScoringTimelineEntry } from '@leadflow/contracts';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { ContactInsightsDto, ScoringTimelineDto } from './dto/reads.dto';
import { ReadsService } from './reads.service';

@Controller()
export class ReadsController {
  constructor(private readonly reads: ReadsService) {}

  @MessagePattern(RpcSubjects.scoring.contactTimeline)
  timeline(@Payload() query: ScoringTimelineDto): Promise<{ entries: ScoringTimelineEntry[] }> {
    return this.reads.timeline(query.workspaceId, query.contactId, query.before, query.limit);
  }

  @MessagePattern(RpcSubjects.scoring.contactInsights)
  insights(@Payload() query: ContactInsightsDto): Promise<ContactInsightsView> {
    return this.reads.insights(query.workspaceId, query.id);
  }
}
