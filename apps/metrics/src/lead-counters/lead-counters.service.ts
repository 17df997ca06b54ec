import type { EventEnvelope, LeadAttributedData, LeadIngestedData, StageChangedData } from '@leadflow/contracts';
import { APP_LOGGER } from '@leadflow/logging';
import { type BeforeCommit, beforeCommit } from '@leadflow/messaging';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { EntityManager } from 'typeorm';
import {
  type CounterIncrement,
  type LeadIncrement,
  leadAttributedIncrement,
  leadIngestedIncrement,
  stageChangedIncrement,
} from './counter-increments';
import { LeadCounterRepository, type WorkspaceIncrement } from './lead-counter.repository';

/** The counter increments of one transaction's events, written with two statements when it commits. */
class PendingIncrements implements BeforeCommit {
  private readonly perLead: Array<{ workspaceId: string; eventId: string; eventType: string; lead: LeadIncrement }> = [];
  private readonly plain: WorkspaceIncrement[] = [];

  constructor(
    private readonly repository: LeadCounterRepository,
    private readonly logger: Logger,
  ) {}

  addOncePerLead(workspaceId: string, eventId: string, eventType: string, lead: LeadIncrement): void {
    this.perLead.push({ workspaceId, eventId, eventType, lead });
  }

  add(workspaceId: string, increment: CounterIncrement): void {
    this.plain.push({ workspaceId, increment });
  }

  async flush(manager: EntityManager): Promise<void> {
    const counted = await this.firstCounts(manager);
    await this.repository.add(manager, [...counted, ...this.plain]);
  }

  /**
   * The inbox already skips an event id seen before; this also skips the same lead arriving again
   * under a new event id (a replay by its producer), since a lead is ingested and attributed once.
   */
  private async firstCounts(manager: EntityManager): Promise<WorkspaceIncrement[]> {
    if (this.perLead.length === 0) return [];
    const keyOf = (workspaceId: string, leadId: string, eventType: string) => JSON.stringify([workspaceId, leadId, eventType]);
    const recorded = await this.repository.recordFirstCounts(
      manager,
      this.perLead.map(({ workspaceId, eventType, lead }) => ({ workspaceId, leadId: lead.leadId, eventType, day: lead.increment.day })),
    );
    const first = new Set(recorded.map((row) => keyOf(row.workspaceId, row.leadId, row.eventType)));
    const counted: WorkspaceIncrement[] = [];
    for (const { workspaceId, eventId, eventType, lead } of this.perLead) {
      // Deleting makes a second event of the same lead in this transaction count as seen.
      if (first.delete(keyOf(workspaceId, lead.leadId, eventType))) counted.push({ workspaceId, increment: lead.increment });
      else this.logger.info({ eventId, type: eventType, leadId: lead.leadId }, 'lead already counted for this event type; skipped');
    }
    return counted;
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
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {}

  async countLeadIngested(event: EventEnvelope<LeadIngestedData>, manager: EntityManager): Promise<void> {
    this.pending(manager).addOncePerLead(event.workspaceId, event.id, event.type, leadIngestedIncrement(event.data));
  }

  async countLeadAttributed(event: EventEnvelope<LeadAttributedData>, manager: EntityManager): Promise<void> {
    this.pending(manager).addOncePerLead(event.workspaceId, event.id, event.type, leadAttributedIncrement(event.data));
  }

  async countStageChanged(event: EventEnvelope<StageChangedData>, manager: EntityManager): Promise<void> {
    this.pending(manager).add(event.workspaceId, stageChangedIncrement(event.data));
  }

  private pending(manager: EntityManager): PendingIncrements {
    return beforeCommit(manager, PendingIncrements, () => new PendingIncrements(this.repository, this.logger));
  }
}
