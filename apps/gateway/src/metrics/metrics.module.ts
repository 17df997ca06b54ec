import { Module } from '@nestjs/common';
import { DealReportsController } from './deal-reports.controller';
import { LeadReportsController } from './lead-reports.controller';

/** The admin API's lead and deal reports, asked of metrics over NATS. */
@Module({ controllers: [LeadReportsController, DealReportsController] })
export class MetricsModule {}
