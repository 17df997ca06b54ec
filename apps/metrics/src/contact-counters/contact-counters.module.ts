import { Module } from '@nestjs/common';
import { ContactCounterRepository } from './contact-counter.repository';
import { ContactCountersHandler } from './contact-counters.handler';
import { ContactCountersService } from './contact-counters.service';
import { ContactReportsController } from './contact-reports.controller';

/** Contact records created, deleted and restored per UTC day: counted from contact events, reported over RPC. */
@Module({
  controllers: [ContactReportsController],
  providers: [ContactCounterRepository, ContactCountersService, ContactCountersHandler],
})
export class ContactCountersModule {}
