import { type ContactsDailyReport, RpcSubjects } from '@leadflow/contracts';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { ContactCountersService } from './contact-counters.service';
import { ContactsReportQueryDto } from './dto/contacts-report-query.dto';

/** `metrics.contacts.daily` over NATS request/reply. */
@Controller()
export class ContactReportsController {
  constructor(private readonly counters: ContactCountersService) {}

  @MessagePattern(RpcSubjects.metrics.contactsDaily)
  daily(@Payload() query: ContactsReportQueryDto): Promise<ContactsDailyReport> {
    return this.counters.daily(query);
  }
}
