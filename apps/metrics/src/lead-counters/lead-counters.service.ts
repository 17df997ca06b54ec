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
import { COUNTED_LEAD_EVENTS, COUNTER_COLUMNS, type CounterColumn, LEAD_DAILY_COUNTERS } from './lead-daily-counters';

/** The counter rows of one transaction's events, written with two statements when it commits. */
class PendingIncrements implements BeforeCommit {
  private readonly perLead: Array<{ workspaceId: string; eventId: string; eventType: string; lead: LeadIncrement }> = [];
  private readonly plain: Array<{ workspaceId: string; increment: CounterIncrement }> = [];

  constructor(private readonly logger: Logger) {}

  addOncePerLead(workspaceId: string, eventId: string, eventType: string, lead: LeadIncrement): void {
    this.perLead.push({ workspaceId, eventId, eventType, lead });
  }

  add(workspaceId: string, increment: CounterIncrement): void {
    this.plain.push({ workspaceId, increment });
  }

  async flush(manager: EntityManager): Promise<void> {
    const counted = await this.firstCounts(manager);
    await addToCounters(manager, [...counted, ...this.plain]);
  }

  /**
   * The inbox already skips an event id seen before; this also skips the same lead arriving again
   * under a new event id (a replay by its producer), since a lead is ingested and attributed once.
   */
  private async firstCounts(manager: EntityManager): Promise<Array<{ workspaceId: string; increment: CounterIncrement }>> {
    if (this.perLead.length === 0) return [];
    const keyOf = (workspaceId: string, leadId: string, eventType: string) => JSON.stringify([workspaceId, leadId, eventType]);
    const rows = (await manager.query(
      `INSERT INTO ${COUNTED_LEAD_EVENTS} ("workspace_id", "lead_id", "event_type", "day")
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::date[])
       ON CONFLICT DO NOTHING RETURNING "workspace_id", "lead_id", "event_type"`,
      [
        this.perLead.map((p) => p.workspaceId),
        this.perLead.map((p) => p.lead.leadId),
        this.perLead.map((p) => p.eventType),
        this.perLead.map((p) => p.lead.increment.day),
      ],
    )) as Array<{ workspace_id: string; lead_id: string; event_type: string }>;
    const first = new Set(rows.map((row) => keyOf(row.workspace_id, row.lead_id, row.event_type)));
    const counted: Array<{ workspaceId: string; increment: CounterIncrement }> = [];
    for (const { workspaceId, eventId, eventType, lead } of this.perLead) {
      // Deleting makes a second event of the same lead in this transaction count as seen.
      if (first.delete(keyOf(workspaceId, lead.leadId, eventType))) counted.push({ workspaceId, increment: lead.increment });
      else this.logger.info({ eventId, type: eventType, leadId: lead.leadId }, 'lead already counted for this event type; skipped');
    }
    return counted;
  }
}

/**
 * Adds increments to their (workspace, day, source, offer, country) rows with one upsert. Rows are
 * written in key order, so concurrent transactions lock them in the same order and never deadlock.
 */
async function addToCounters(
  manager: EntityManager,
  increments: Array<{ workspaceId: string; increment: CounterIncrement }>,
): Promise<void> {
  const rows = new Map<string, { key: string[]; deltas: Record<CounterColumn, number> }>();
  for (const { workspaceId, increment } of increments) {
    const key = [workspaceId, increment.day, increment.source, increment.offer, increment.country];
    const id = JSON.stringify(key);
    let row = rows.get(id);
    if (!row) {
      row = { key, deltas: Object.fromEntries(COUNTER_COLUMNS.map((c) => [c, 0])) as Record<CounterColumn, number> };
      rows.set(id, row);
    }
    row.deltas[increment.column] += 1;
  }
  if (rows.size === 0) return;
  const ordered = [...rows.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
  const keyParams = [0, 1, 2, 3, 4].map((i) => ordered.map((row) => row.key[i]));
  const deltaParams = COUNTER_COLUMNS.map((column) => ordered.map((row) => row.deltas[column]));
  const columns = COUNTER_COLUMNS.map((c) => `"${c}"`).join(', ');
  const deltaArrays = COUNTER_COLUMNS.map((_, i) => `$${i + 6}::bigint[]`).join(', ');
  await manager.query(
    `INSERT INTO ${LEAD_DAILY_COUNTERS} AS c ("workspace_id", "day", "source", "offer", "country", ${columns})
     SELECT "workspace_id", "day", "source", "offer", "country", ${columns}
     FROM unnest($1::text[], $2::date[], $3::text[], $4::text[], $5::text[], ${deltaArrays})
       WITH ORDINALITY AS r("workspace_id", "day", "source", "offer", "country", ${columns}, "ord")
     ORDER BY "ord"
     ON CONFLICT ("workspace_id", "day", "source", "offer", "country")
     DO UPDATE SET ${COUNTER_COLUMNS.map((c) => `"${c}" = c."${c}" + EXCLUDED."${c}"`).join(', ')}, "updated_at" = now()`,
    [...keyParams, ...deltaParams],
  );
}

/**
 * Keeps the daily counters. Increments are gathered for the whole transaction of the events being
 * applied and written before it commits, together with the inbox rows (or not at all). Increments
 * are commutative, so events converge to the same counts in any order.
 */
@Injectable()
export class LeadCountersService {
  constructor(@Inject(APP_LOGGER) private readonly logger: Logger) {}

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
    return beforeCommit(manager, PendingIncrements, () => new PendingIncrements(this.logger));
  }
}
