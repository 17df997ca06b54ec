import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AutomationsController } from './automations.controller';
import { AutomationsService } from './automations.service';

/** The admin API's automations, kept and run by scoring over NATS; changes are audited. */
@Module({ imports: [AuditModule], controllers: [AutomationsController], providers: [AutomationsService] })
export class AutomationsModule {}
