import { ErasureStepsRepository } from '@leadflow/database';
import { Module } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AuditController } from './audit.controller';
import { AuditErasureHandler } from './audit-erasure.handler';
import { AuditLogRepository } from './audit-log.repository';
import { AuditLogService } from './audit-log.service';

/** The audit log: written by every admin write, read at GET /api/v1/audit, redacted on `contact.erased`. */
@Module({
  controllers: [AuditController],
  providers: [
    AuditLogRepository,
    AuditLogService,
    AuditErasureHandler,
    {
      provide: ErasureStepsRepository,
      inject: [getDataSourceToken()],
      useFactory: (dataSource: DataSource) => new ErasureStepsRepository(dataSource, 'gateway'),
    },
  ],
  exports: [AuditLogService, ErasureStepsRepository],
})
export class AuditModule {}
