import { ErasureStepsRepository } from '@leadflow/database';
import { Module } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AuditController } from './audit.controller';
import { AuditErasureHandler } from './audit-erasure.handler';
import { AuditLogRepository } from './audit-log.repository';
import { AuditLogService } from './audit-log.service';
import { WebhookEndpointsRepository } from '../webhook-endpoints/webhook-endpoints.repository';

/**
 * The audit log: written by every admin write, read at GET /api/v1/audit, redacted on
 * `contact.erased` (with the webhook deliveries that name the erased person).
 */
@Module({
  controllers: [AuditController],
  providers: [
    AuditLogRepository,
    AuditLogService,
    AuditErasureHandler,
    WebhookEndpointsRepository,
    {
      provide: ErasureStepsRepository,
      inject: [getDataSourceToken()],
      useFactory: (dataSource: DataSource) => new ErasureStepsRepository(dataSource, 'gateway'),
    },
  ],
  exports: [AuditLogService, ErasureStepsRepository],
})
export class AuditModule {}
