import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { PipelinesController } from './pipelines.controller';
import { PipelinesService } from './pipelines.service';

/** The admin API's deal pipelines, kept by contacts and asked over NATS; changes are audited. */
@Module({ imports: [AuditModule], controllers: [PipelinesController], providers: [PipelinesService] })
export class PipelinesModule {}
