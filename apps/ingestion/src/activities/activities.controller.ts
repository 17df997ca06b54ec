import { type IngestActivitiesReply, RpcSubjects } from '@leadflow/contracts';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { ActivityIntakeService } from './activity-intake.service';
import { IngestActivitiesDto } from './dto/ingest-activities.dto';

@Controller()
export class ActivitiesController {
  constructor(private readonly intake: ActivityIntakeService) {}

  @MessagePattern(RpcSubjects.ingestion.activityIngest)
  ingest(@Payload() request: IngestActivitiesDto): Promise<IngestActivitiesReply> {
    return this.intake.ingest({ ...request, requestId: request.requestId ?? null });
  }
}
