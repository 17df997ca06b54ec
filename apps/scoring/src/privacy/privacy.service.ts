import { type ByIdQuery, type ErasureStepReply, type ErasureStepRequest, EventTypes, type ScoreExport } from '@leadflow/contracts';
import { ErasureStepsRepository } from '@leadflow/database';
import { ConsumesEvents, type EventBatch, forEachEvent, redactDeadLetters } from '@leadflow/messaging';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { PrivacyRepository } from './privacy.repository';

/**
 * GDPR in scoring. Scores and their history hold ids, points and campaign dimensions, no personal
 * data: an erasure keeps them (the numbers stay), empties the properties and traits of the stored
 * activities (keeping the fit facts, so a rescore gives the same), redacts the dead letters that name the person's
 * leads or contacts, and records what it found. Export answers the score and its history.
 */
@Injectable()
export class PrivacyService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repository: PrivacyRepository,
    private readonly steps: ErasureStepsRepository,
  ) {}

  @ConsumesEvents(EventTypes.contactErased)
  async onContactErased(events: EventBatch<typeof EventTypes.contactErased>, manager: EntityManager): Promise<void> {
    await forEachEvent(events, async ({ workspaceId, data }) => {
      const contactIds = [data.contactId, ...data.mergedContactIds].map((id) => id.toLowerCase());
      const held = await this.repository.countHeld(manager, workspaceId, contactIds);
      const activitiesScrubbed = await this.repository.scrubActivities(manager, workspaceId, contactIds);
      const automationFieldsScrubbed = await this.repository.scrubAutomationContacts(manager, workspaceId, contactIds);
      const deadLetters = await redactDeadLetters(manager, this.dataSource, [...contactIds, ...data.leadIds]);
      await this.steps.record(manager, {
        workspaceId,
        erasureId: data.erasureId,
        contactId: data.contactId,
        summary: {
          personalDataHeld: false,
          scoresKept: held.scores,
          historyRowsKept: held.history,
          activitiesScrubbed,
          automationFieldsScrubbed,
          deadLettersRedacted: deadLetters,
        },
      });
    });
  }

  async erasureStep(request: ErasureStepRequest): Promise<ErasureStepReply> {
    return { step: await this.steps.find(request.workspaceId, request.erasureId) };
  }

  async export(query: ByIdQuery): Promise<ScoreExport> {
    const [score, history] = await Promise.all([
      this.repository.scoreRow(query.workspaceId, query.id),
      this.repository.historyRows(query.workspaceId, query.id),
    ]);
    return { contactId: query.id, score, history };
  }
}
