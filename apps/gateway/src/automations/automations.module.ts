import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { WebhookEndpointsModule } from '../webhook-endpoints/webhook-endpoints.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { AutomationsController } from './automations.controller';
import { AutomationsService } from './automations.service';

/** The admin API's automations, kept and run by scoring over NATS; changes are audited. */
@Module({
  imports: [AuditModule, WebhookEndpointsModule, WorkspacesModule],
  controllers: [AutomationsController],
  providers: [AutomationsService],
})
export class AutomationsModule {}
