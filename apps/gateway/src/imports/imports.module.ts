import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { ImportsController } from './imports.controller';
import { ImportsService } from './imports.service';

/** CSV imports of contacts: the upload streamed to contacts over NATS, and the import's progress and rows. */
@Module({ imports: [AuditModule], controllers: [ImportsController], providers: [ImportsService] })
export class ImportsModule {}
