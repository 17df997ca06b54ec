import { Module } from '@nestjs/common';
import { ActivityMetricsModule } from '../activity-metrics/activity-metrics.module';
import { ContactCountersModule } from '../contact-counters/contact-counters.module';
import { DealStateModule } from '../deal-state/deal-state.module';
import { LeadCounterRepository } from './lead-counter.repository';
import { LeadCountersHandler } from './lead-counters.handler';
import { LeadCountersService } from './lead-counters.service';

/** Daily lead, contact and stage-entry counters, kept from domain events. */
@Module({
  imports: [DealStateModule, ActivityMetricsModule, ContactCountersModule],
  providers: [LeadCounterRepository, LeadCountersService, LeadCountersHandler],
  exports: [LeadCounterRepository],
})
export class LeadCountersModule {}
