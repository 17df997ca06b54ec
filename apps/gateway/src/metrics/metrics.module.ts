import { Module } from '@nestjs/common';
import { ContactReportsController } from './contact-reports.controller';
import { LeadReportsController } from './lead-reports.controller';

/** The admin API's lead and contact reports, asked of metrics over NATS. */
@Module({ controllers: [LeadReportsController, ContactReportsController] })
export class MetricsModule {}
