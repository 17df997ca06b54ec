import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { SuppressionsController } from './suppressions.controller';
import { SuppressionsService } from './suppressions.service';

/** The admin API's suppression list, kept by ingestion over NATS; changes audited here. */
@Module({ imports: [AuditModule], controllers: [SuppressionsController], providers: [SuppressionsService] })
export class SuppressionsModule {}
