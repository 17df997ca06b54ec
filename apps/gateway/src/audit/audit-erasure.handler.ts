import { EventTypes } from '@leadflow/contracts';
import { ErasureStepsRepository } from '@leadflow/database';
import { ConsumesEvents, type EventBatch, forEachEvent, redactDeadLetters } from '@leadflow/messaging';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditLogRepository } from './audit-log.repository';
import { WebhookEndpointsRepository } from '../webhook-endpoints/webhook-endpoints.repository';

/**
 * The gateway's part of an erasure: audit entries about the erased contact (and those merged into
 * it) keep who did what and when, but their before and after states, which hold the person's data,
 * are redacted; so are the bodies of outbound webhook deliveries that name the contact or its
 * leads (one not yet sent is failed, not sent), and the click ids its leads carried for postbacks are
 * forgotten; the step is recorded in the same transaction.
 */
@Injectable()
export class AuditErasureHandler {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditLogRepository,
    private readonly steps: ErasureStepsRepository,
    private readonly webhooks: WebhookEndpointsRepository,
  ) {}

  @ConsumesEvents(EventTypes.contactErased)
  async onContactErased(events: EventBatch<typeof EventTypes.contactErased>, manager: EntityManager): Promise<void> {
    await forEachEvent(events, async ({ workspaceId, data }) => {
      const contactIds = [data.contactId, ...data.mergedContactIds].map((id) => id.toLowerCase());
      const redacted = await this.audit.redactTargets(
        manager,
        workspaceId,
        [...contactIds.map((id) => contactAuditTarget(id)), ...data.leadIds.map((id) => leadAuditTarget(id))],
        contactIds,
        `erasure:${data.erasureId}`,
      );
      const deadLetters = await redactDeadLetters(manager, this.dataSource, [...contactIds, ...data.leadIds]);
      const clicks = await this.webhooks.forgetClicks(manager, workspaceId, data.leadIds);
      const deliveries = await this.webhooks.redactDeliveries(
        manager,
        workspaceId,
        [...contactIds, ...data.leadIds],
        `erasure:${data.erasureId}`,
      );
      await this.steps.record(manager, {
        workspaceId,
        erasureId: data.erasureId,
        contactId: data.contactId,
        summary: {
          auditEntriesRedacted: redacted,
          deadLettersRedacted: deadLetters,
          webhookDeliveriesRedacted: deliveries,
          postbackClicksForgotten: clicks,
        },
      });
    });
  }
}

/** The audit target naming a lead (its conversion). */
export function leadAuditTarget(leadId: string): string {
  return `lead:${leadId}`;
}

/** The audit target naming a contact. */
export function contactAuditTarget(contactId: string): string {
  return `contact:${contactId}`;
}
