import { Module } from '@nestjs/common';
import { LeadCountersHandler } from './lead-counters.handler';
import { LeadCountersService } from './lead-counters.service';

/** Daily lead, contact and stage-entry counters, kept from domain events. */
@Module({ providers: [LeadCountersService, LeadCountersHandler] })
export class LeadCountersModule {}
