import { Module } from '@nestjs/common';
import { AuditController } from './audit.controller';
import { AuditLogRepository } from './audit-log.repository';
import { AuditLogService } from './audit-log.service';

/** The audit log: written by every admin write, read at GET /api/v1/audit. */
@Module({ controllers: [AuditController], providers: [AuditLogRepository, AuditLogService], exports: [AuditLogService] })
export class AuditModule {}
