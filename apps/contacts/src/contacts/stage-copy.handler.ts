import { EventTypes } from '@leadflow/contracts';
import { ConsumesEvents, type EventBatch } from '@leadflow/messaging';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ContactsRepository, type StageCopy } from './contacts.repository';

/**
 * Keeps a copy of each contact's score stage, as scoring announces it, so that contact lists filter
 * on stage without asking scoring. Of several changes of one contact in a batch the latest is
 * copied; an older one arriving after a newer is skipped by the repository, and so is one copied
 * before (its time is the contact's stage time, under the contact's row lock): no inbox row is
 * needed (`idempotent`).
 */
@Injectable()
export class StageCopyHandler {
  constructor(private readonly contacts: ContactsRepository) {}

  @ConsumesEvents(EventTypes.stageChanged, { idempotent: true })
  async onStagesChanged(events: EventBatch<typeof EventTypes.stageChanged>, manager: EntityManager): Promise<void> {
    const latest = new Map<string, StageCopy>();
    for (const { workspaceId, data } of events) {
      const contactId = data.contactId.toLowerCase();
      const key = `${workspaceId}\u0000${contactId}`;
      const known = latest.get(key);
      if (!known || Date.parse(known.at) < Date.parse(data.at)) latest.set(key, { workspaceId, contactId, stage: data.to, at: data.at });
    }
    await this.contacts.copyStages(manager, [...latest.values()]);
  }
}
