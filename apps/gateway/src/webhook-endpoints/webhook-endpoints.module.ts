import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { WebhookDeliveriesService } from './webhook-deliveries.service';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookEndpointsController } from './webhook-endpoints.controller';
import { WebhookEndpointsRepository } from './webhook-endpoints.repository';
import { WebhookEndpointsService } from './webhook-endpoints.service';
import { WebhookEventsHandler } from './webhook-events.handler';
import { WebhookPostbacks } from './webhook-postbacks';
import { WebhookSubscriptions } from './webhook-subscriptions';

/** Outbound webhooks: endpoints (audited), deliveries of the workspace's events, signed and retried. */
@Module({
  imports: [AuditModule],
  controllers: [WebhookEndpointsController],
  providers: [
    WebhookEndpointsRepository,
    WebhookEndpointsService,
    WebhookSubscriptions,
    WebhookDeliveriesService,
    WebhookDispatcher,
    WebhookEventsHandler,
    WebhookPostbacks,
  ],
  exports: [WebhookPostbacks, WebhookEndpointsRepository],
})
export class WebhookEndpointsModule {}
