import { Module } from '@nestjs/common';
import { ActivityReportsController } from './activity-reports.controller';
import { ContactReportsController } from './contact-reports.controller';
import { DealReportsController } from './deal-reports.controller';
import { LeadReportsController } from './lead-reports.controller';

/** The admin API's lead, contact and deal reports, asked of metrics over NATS. */
@Module({ controllers: [LeadReportsController, ContactReportsController, DealReportsController, ActivityReportsController] })
export class MetricsModule {}
