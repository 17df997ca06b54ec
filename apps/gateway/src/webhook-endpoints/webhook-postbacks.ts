import { AppException, ErrorCodes } from '@leadflow/contracts';
import { generateStandardWebhookSecret } from '@leadflow/signing';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { checkPostbackTemplate } from './postback-url';
import { WebhookDeliveriesService } from './webhook-deliveries.service';
import { WebhookEndpointsRepository } from './webhook-endpoints.repository';
import { WebhookSubscriptions } from './webhook-subscriptions';
import { checkWebhookTarget } from './webhook-target';

/** What a postback is sent for. */
const POSTBACK_EVENTS = ['stage.changed', 'lead.converted'];

/**
 * Intake keys' postbacks (the server-to-server notices affiliate networks expect): kept as endpoints
 * of kind `postback`, so their deliveries go through the same attempts, retries and disabling.
 */
@Injectable()
export class WebhookPostbacks {
  constructor(
    private readonly repository: WebhookEndpointsRepository,
    private readonly deliveries: WebhookDeliveriesService,
    private readonly subscriptions: WebhookSubscriptions,
  ) {}

  /** Checks a template before its key is made: 400 validation_failed or unsafe_webhook_url. */
  async check(template: string, scopes: readonly string[]): Promise<void> {
    if (!scopes.includes('intake')) throw new AppException(ErrorCodes.validationFailed, 'a postbackUrl is for keys with the intake scope');
    await checkWebhookTarget(checkPostbackTemplate(template).href, this.deliveries.privateTargetsAllowed);
  }

  /** The postback of a key just made, in its transaction. */
  async add(
    manager: EntityManager,
    key: { workspaceId: string; apiKeyId: string; source: string; template: string; createdBy: string },
  ): Promise<void> {
    const id = uuidv7();
    await this.repository.insertPostback(manager, {
      id,
      workspaceId: key.workspaceId,
      apiKeyId: key.apiKeyId,
      source: key.source,
      template: key.template,
      eventTypes: POSTBACK_EVENTS,
      createdBy: key.createdBy,
    });
    await this.repository.addSecret(manager, { id: uuidv7(), endpointId: id, secret: generateStandardWebhookSecret() });
    this.subscriptions.changed(key.workspaceId);
  }

  /** A revoked key's postback stops. */
  async removeFor(manager: EntityManager, apiKeyId: string): Promise<void> {
    for (const workspaceId of await this.repository.deletePostbacksOf(manager, apiKeyId)) this.subscriptions.changed(workspaceId);
  }
}
