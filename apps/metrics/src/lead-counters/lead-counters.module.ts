import { Module } from '@nestjs/common';
import { LeadCounterRepository } from './lead-counter.repository';
import { LeadCountersHandler } from './lead-counters.handler';
import { LeadCountersService } from './lead-counters.service';

/** Daily lead, contact and stage-entry counters, kept from domain events. */
@Module({ providers: [LeadCounterRepository, LeadCountersService, LeadCountersHandler], exports: [LeadCounterRepository] })
export class LeadCountersModule {}
