import { EventTypes } from '@leadflow/contracts';
import { ErasureStepsRepository } from '@leadflow/database';
import { ConsumesEvents, type EventBatch, forEachEvent, redactDeadLetters } from '@leadflow/messaging';
import { hashOfActivityId } from '@leadflow/normalization';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { ErasureRepository } from './erasure.repository';
import { SuppressionRepository } from './suppression.repository';

/**
 * Ingestion's part of an erasure: the person's leads, raw requests, refused requests and activities
 * (found by email, phone, tracker ids or contact id) are redacted in place, their email, phone and
 * tracker ids join the suppression list (so that what they send later is stored redacted and
 * reaches no contact), and the step is recorded, all in the inbox's transaction.
 */
@Injectable()
export class ErasureHandler {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly erasures: ErasureRepository,
    private readonly suppressions: SuppressionRepository,
    private readonly steps: ErasureStepsRepository,
  ) {}

  @ConsumesEvents(EventTypes.contactErased)
  async onContactErased(events: EventBatch<typeof EventTypes.contactErased>, manager: EntityManager): Promise<void> {
    await forEachEvent(events, async ({ workspaceId, data }) => {
      const leadIds = data.leadIds.map((id) => id.toLowerCase());
      const clear = await this.erasures.clearIdentitiesOf(manager, workspaceId, leadIds);
      const emails = clear.filter((value) => value.includes('@'));
      const redacted = await this.erasures.redactLeads(manager, workspaceId, leadIds, emails);
      const rejected = await this.erasures.redactRejected(manager, workspaceId, clear);
      const identities = [
        ...data.emailHashes.map((hash) => ({ kind: 'email' as const, hash })),
        ...data.phoneHashes.map((hash) => ({ kind: 'phone' as const, hash })),
        // Activities naming the person by a tracker id alone carry no email or phone.
        ...(data.anonymousIdHashes ?? []).map((hash) => ({ kind: 'anonymous_id' as const, hash })),
        ...(data.userIdHashes ?? []).map((hash) => ({ kind: 'user_id' as const, hash })),
      ];
      const activities = await this.erasures.redactActivities(manager, workspaceId, [
        ...identities.map((identity) => identity.hash),
        ...[data.contactId, ...data.mergedContactIds].map((id) => hashOfActivityId('contact_id', id.toLowerCase())),
      ]);
      const crmEvents = await this.erasures.redactCrmEvents(manager, workspaceId, leadIds, clear, data.crmContactRecords ?? []);
      const deadLetters = await redactDeadLetters(manager, this.dataSource, [...leadIds, ...clear]);
      const suppressed = await this.suppressions.add(
        manager,
        workspaceId,
        identities.map((identity) => ({
          ...identity,
          reason: 'erasure' as const,
          erasureId: data.erasureId,
          createdBy: `erasure:${data.erasureId}`,
        })),
      );
      await this.steps.record(manager, {
        workspaceId,
        erasureId: data.erasureId,
        contactId: data.contactId,
        summary: {
          leadsRedacted: redacted.length,
          rawRequestsRedacted: redacted.length,
          rejectedRequestsRedacted: rejected,
          activitiesRedacted: activities,
          crmEventsRedacted: crmEvents,
          deadLettersRedacted: deadLetters,
          suppressionsAdded: suppressed.filter((s) => s.created).length,
        },
      });
    });
  }
}
