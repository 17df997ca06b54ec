import { Module } from '@nestjs/common';
import { LeadReportsController } from './lead-reports.controller';
import { LeadReportsService } from './lead-reports.service';

/** Lead reports (summary, daily, weekly) served from the daily counters. */
@Module({ controllers: [LeadReportsController], providers: [LeadReportsService] })
export class LeadReportsModule {}
