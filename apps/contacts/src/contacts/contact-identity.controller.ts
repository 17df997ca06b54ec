import { type ContactTimelineReply, type ContactWriteReply, RpcSubjects } from '@leadflow/contracts';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { ContactMergeService } from './contact-merge.service';
import { ContactTimelineService } from './contact-timeline.service';
import { ContactMergeDto, ContactTimelineDto } from './dto/contact-identity.dto';

@Controller()
export class ContactIdentityController {
  constructor(
    private readonly merges: ContactMergeService,
    private readonly timelines: ContactTimelineService,
  ) {}

  @MessagePattern(RpcSubjects.contacts.contactMerge)
  merge(@Payload() request: ContactMergeDto): Promise<ContactWriteReply> {
    return this.merges.merge(request);
  }

  @MessagePattern(RpcSubjects.contacts.contactTimeline)
  timeline(@Payload() query: ContactTimelineDto): Promise<ContactTimelineReply> {
    return this.timelines.timeline(query);
  }
}
