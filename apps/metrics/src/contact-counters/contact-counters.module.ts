import { Module } from '@nestjs/common';
import { ContactCounterRepository } from './contact-counter.repository';
import { ContactCountersHandler } from './contact-counters.handler';
import { ContactCountersService } from './contact-counters.service';
import { ContactReportsController } from './contact-reports.controller';

/**
 * Contact records created, deleted and restored per UTC day: counted from contact events (a contact
 * made from a lead from its `lead.attributed`, by the lead counters), reported over RPC.
 */
@Module({
  controllers: [ContactReportsController],
  providers: [ContactCounterRepository, ContactCountersService, ContactCountersHandler],
  exports: [ContactCountersService],
})
export class ContactCountersModule {}
