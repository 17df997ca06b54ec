import { type ErasureStepReply, type ErasureStepRequest, EventTypes } from '@leadflow/contracts';
import { ErasureStepsRepository } from '@leadflow/database';
import { ConsumesEvents, type EventBatch, forEachEvent, redactDeadLetters } from '@leadflow/messaging';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

/**
 * GDPR in metrics: its counters are aggregates and its record of counted events holds lead ids and
 * days only, so an erasure keeps them (totals stay true); it redacts the dead letters that name the
 * person's leads or contacts (a `lead.ingested` kept there holds an email) and records its step.
 */
@Injectable()
export class PrivacyService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly steps: ErasureStepsRepository,
  ) {}

  @ConsumesEvents(EventTypes.contactErased)
  async onContactErased(events: EventBatch<typeof EventTypes.contactErased>, manager: EntityManager): Promise<void> {
    await forEachEvent(events, async ({ workspaceId, data }) => {
      const deadLetters = await redactDeadLetters(manager, this.dataSource, [data.contactId, ...data.mergedContactIds, ...data.leadIds]);
      await this.steps.record(manager, {
        workspaceId,
        erasureId: data.erasureId,
        contactId: data.contactId,
        summary: { personalDataHeld: false, countersKept: true, deadLettersRedacted: deadLetters },
      });
    });
  }

  async erasureStep(request: ErasureStepRequest): Promise<ErasureStepReply> {
    return { step: await this.steps.find(request.workspaceId, request.erasureId) };
  }
}
