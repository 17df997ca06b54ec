import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { OpportunitiesController } from './opportunities.controller';
import { OpportunitiesService } from './opportunities.service';

/** The admin API's opportunities, kept by contacts and asked over NATS; writes are audited. */
@Module({ imports: [AuditModule], controllers: [OpportunitiesController], providers: [OpportunitiesService] })
export class OpportunitiesModule {}
