import { Module } from '@nestjs/common';
import { LeadReportsController } from './lead-reports.controller';

/** The admin API's lead reports, asked of metrics over NATS. */
@Module({ controllers: [LeadReportsController] })
export class MetricsModule {}
