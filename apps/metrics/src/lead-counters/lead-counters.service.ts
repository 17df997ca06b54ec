import type { EventEnvelope, LeadAttributedData, StageChangedData } from '@leadflow/contracts';
import { APP_LOGGER } from '@leadflow/logging';
import { type BeforeCommit, beforeCommit } from '@leadflow/messaging';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { EntityManager } from 'typeorm';
import { type CounterIncrement, type LeadIncrement, leadAttributedIncrements, stageChangedIncrement } from './counter-increments';
import { LeadCounterRepository, type WorkspaceIncrement } from './lead-counter.repository';

/** The counter increments of one transaction's events, written with two statements when it commits. */
class PendingIncrements implements BeforeCommit {
  private readonly perLead: Array<{ workspaceId: string; eventId: string; lead: LeadIncrement }> = [];
  private readonly plain: WorkspaceIncrement[] = [];

  constructor(
    private readonly repository: LeadCounterRepository,
    private readonly logger: Logger,
  ) {}

  addOncePerLead(workspaceId: string, eventId: string, lead: LeadIncrement): void {
    this.perLead.push({ workspaceId, eventId, lead });
  }

  add(workspaceId: string, increment: CounterIncrement): void {
    this.plain.push({ workspaceId, increment });
  }

  async flush(manager: EntityManager): Promise<void> {
    const counted = await this.firstCounts(manager);
    await this.repository.add(manager, [...counted, ...this.plain]);
  }

  /**
   * A lead is counted once per key: this skips the same lead arriving again, under the same event
   * id (a redelivery) or a new one (a replay by its producer), since a lead is attributed once.
   */
  private async firstCounts(manager: EntityManager): Promise<WorkspaceIncrement[]> {
    if (this.perLead.length === 0) return [];
    const keyOf = (workspaceId: string, leadId: string, eventType: string) => JSON.stringify([workspaceId, leadId, eventType]);
    const recorded = await this.repository.recordFirstCounts(
      manager,
      this.perLead.map(({ workspaceId, lead }) => ({ workspaceId, leadId: lead.leadId, eventType: lead.key, day: lead.increment.day })),
    );
    const first = new Set(recorded.map((row) => keyOf(row.workspaceId, row.leadId, row.eventType)));
    const counted: WorkspaceIncrement[] = [];
    for (const { workspaceId, eventId, lead } of this.perLead) {
      // Deleting makes a second event of the same lead in this transaction count as seen.
      if (first.delete(keyOf(workspaceId, lead.leadId, lead.key))) counted.push({ workspaceId, increment: lead.increment });
      else this.logger.info({ eventId, countedAs: lead.key, leadId: lead.leadId }, 'lead already counted under this key; skipped');
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

  /** A lead, and a new or returning contact: each once per lead. */
  async countLeadAttributed(event: EventEnvelope<LeadAttributedData>, manager: EntityManager): Promise<void> {
    const pending = this.pending(manager);
    for (const lead of leadAttributedIncrements(event.data)) pending.addOncePerLead(event.workspaceId, event.id, lead);
  }

  async countStageChanged(event: EventEnvelope<StageChangedData>, manager: EntityManager): Promise<void> {
    this.pending(manager).add(event.workspaceId, stageChangedIncrement(event.data));
  }

  private pending(manager: EntityManager): PendingIncrements {
    return beforeCommit(manager, PendingIncrements, () => new PendingIncrements(this.repository, this.logger));
  }
}
