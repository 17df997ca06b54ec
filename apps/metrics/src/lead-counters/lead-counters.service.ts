import type { EventEnvelope, LeadAttributedData, StageChangedData } from '@leadflow/contracts';
import { APP_LOGGER } from '@leadflow/logging';
import { type BeforeCommit, beforeCommit } from '@leadflow/messaging';
import { type CountedContactEvent, ContactCountersService } from '../contact-counters/contact-counters.service';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { EntityManager } from 'typeorm';
import {
  type CounterIncrement,
  type LeadIncrement,
  LeadCountKeys,
  leadAttributedIncrements,
  stageChangedIncrement,
} from './counter-increments';
import { LeadCounterRepository, type WorkspaceIncrement } from './lead-counter.repository';

/** The counter increments of one transaction's events, written with two statements when it commits. */
class PendingIncrements implements BeforeCommit {
  private readonly perLead: Array<{ workspaceId: string; eventId: string; lead: LeadIncrement; created?: CountedContactEvent }> = [];
  private readonly plain: WorkspaceIncrement[] = [];

  constructor(
    private readonly repository: LeadCounterRepository,
    private readonly contacts: ContactCountersService,
    private readonly logger: Logger,
  ) {}

  /** `created`: the contact the lead made, counted as created when the lead is first counted under this key. */
  addOncePerLead(workspaceId: string, eventId: string, lead: LeadIncrement, created?: CountedContactEvent): void {
    this.perLead.push({ workspaceId, eventId, lead, created });
  }

  add(workspaceId: string, increment: CounterIncrement): void {
    this.plain.push({ workspaceId, increment });
  }

  async flush(manager: EntityManager): Promise<void> {
    const { counted, created } = await this.firstCounts(manager);
    await this.repository.add(manager, [...counted, ...this.plain]);
    await this.contacts.count(manager, created);
  }

  /**
   * A lead is counted once per key: this skips the same lead arriving again, under the same event
   * id (a redelivery) or a new one (a replay by its producer), since a lead is attributed once.
   */
  private async firstCounts(manager: EntityManager): Promise<{ counted: WorkspaceIncrement[]; created: CountedContactEvent[] }> {
    if (this.perLead.length === 0) return { counted: [], created: [] };
    const keyOf = (workspaceId: string, leadId: string, eventType: string) => JSON.stringify([workspaceId, leadId, eventType]);
    const recorded = await this.repository.recordFirstCounts(
      manager,
      this.perLead.map(({ workspaceId, lead }) => ({ workspaceId, leadId: lead.leadId, eventType: lead.key, day: lead.increment.day })),
    );
    const first = new Set(recorded.map((row) => keyOf(row.workspaceId, row.leadId, row.eventType)));
    const counted: WorkspaceIncrement[] = [];
    const created: CountedContactEvent[] = [];
    for (const { workspaceId, eventId, lead, created: contact } of this.perLead) {
      // Deleting makes a second event of the same lead in this transaction count as seen.
      if (first.delete(keyOf(workspaceId, lead.leadId, lead.key))) {
        counted.push({ workspaceId, increment: lead.increment });
        if (contact) created.push(contact);
      } else this.logger.info({ eventId, countedAs: lead.key, leadId: lead.leadId }, 'lead already counted under this key; skipped');
    }
    return { counted, created };
  }
}

/**
 * Keeps the daily counters. Increments are gathered for the whole transaction of the events being
 * applied and written before it commits, together with the inbox rows (or not at all). Increments
 * are commutative, so events converge to the same counts in any order.
 */
@Injectable()
export class LeadCountersService {
  constructor(
    private readonly repository: LeadCounterRepository,
    private readonly contacts: ContactCountersService,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * A lead, and a new or returning contact: each once per lead. A contact the lead made, announced
   * by a `contact.created` that names the lead (`contactCreatedEventId`), is counted as created with
   * the new contact, on the UTC day it was made (this event's time, that of its `contact.created`).
   */
  async countLeadAttributed(event: EventEnvelope<LeadAttributedData>, manager: EntityManager): Promise<void> {
    const pending = this.pending(manager);
    const created: CountedContactEvent | undefined =
      event.data.isNewContact && event.data.contactCreatedEventId !== undefined ? { event, counter: 'created' } : undefined;
    for (const lead of leadAttributedIncrements(event.data)) {
      pending.addOncePerLead(event.workspaceId, event.id, lead, lead.key === LeadCountKeys.contact ? created : undefined);
    }
  }

  async countStageChanged(event: EventEnvelope<StageChangedData>, manager: EntityManager): Promise<void> {
    this.pending(manager).add(event.workspaceId, stageChangedIncrement(event.data));
  }

  private pending(manager: EntityManager): PendingIncrements {
    return beforeCommit(manager, PendingIncrements, () => new PendingIncrements(this.repository, this.contacts, this.logger));
  }
}
