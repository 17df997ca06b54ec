import { EventTypes } from '@leadflow/contracts';
import { ConsumesEvents, type EventBatch } from '@leadflow/messaging';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ContactDeletionsRepository, type DeletionState } from './contact-deletions.repository';

/** Follows soft deletions and restores of contacts: a deleted contact keeps its score and leaves the leaderboard. */
@Injectable()
export class ContactDeletionsHandler {
  constructor(private readonly deletions: ContactDeletionsRepository) {}

  @ConsumesEvents(EventTypes.contactDeleted)
  async onContactsDeleted(events: EventBatch<typeof EventTypes.contactDeleted>, manager: EntityManager): Promise<void> {
    await this.deletions.record(
      manager,
      latest(events.map((e) => ({ workspaceId: e.workspaceId, contactId: e.data.contactId, deleted: true, version: e.data.version }))),
    );
  }

  @ConsumesEvents(EventTypes.contactRestored)
  async onContactsRestored(events: EventBatch<typeof EventTypes.contactRestored>, manager: EntityManager): Promise<void> {
    await this.deletions.record(
      manager,
      latest(events.map((e) => ({ workspaceId: e.workspaceId, contactId: e.data.contactId, deleted: false, version: e.data.version }))),
    );
  }
}

/** One state per contact, the highest version's, so that one statement can record a batch. */
function latest(states: DeletionState[]): DeletionState[] {
  const byContact = new Map<string, DeletionState>();
  for (const state of states) {
    const contactId = state.contactId.toLowerCase();
    const key = `${state.workspaceId}\u0000${contactId}`;
    const known = byContact.get(key);
    if (!known || known.version < state.version) byContact.set(key, { ...state, contactId });
  }
  return [...byContact.values()];
}
