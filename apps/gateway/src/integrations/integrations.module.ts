import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { AuditModule } from '../audit/audit.module';
import { IntegrationsController } from './integrations.controller';
import { IntegrationsRepository } from './integrations.repository';
import { IntegrationsService } from './integrations.service';
import { WebhooksController } from './webhooks.controller';
import { ReceivingIntegrations } from './receiving-integrations';
import { WebhooksService } from './webhooks.service';

/** CRM integrations (kept here, audited) and their signed webhooks, stored by ingestion before they are answered. */
@Module({
  imports: [AuditModule, AuthModule],
  controllers: [IntegrationsController, WebhooksController],
  providers: [IntegrationsRepository, IntegrationsService, ReceivingIntegrations, WebhooksService],
  exports: [IntegrationsRepository],
})
export class IntegrationsModule {}
