import { Module } from '@nestjs/common';
import { DealReportsController } from './deal-reports.controller';
import { DealReportsRepository } from './deal-reports.repository';
import { DealReportsService } from './deal-reports.service';

/** Deal reports served from the deal state. */
@Module({ controllers: [DealReportsController], providers: [DealReportsRepository, DealReportsService] })
export class DealReportsModule {}
