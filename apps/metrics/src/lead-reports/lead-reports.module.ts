import { Module } from '@nestjs/common';
import { LeadCountersModule } from '../lead-counters/lead-counters.module';
import { LeadReportsController } from './lead-reports.controller';
import { LeadReportsService } from './lead-reports.service';

/** Lead reports (summary, daily, weekly) served from the daily counters. */
@Module({ imports: [LeadCountersModule], controllers: [LeadReportsController], providers: [LeadReportsService] })
export class LeadReportsModule {}
