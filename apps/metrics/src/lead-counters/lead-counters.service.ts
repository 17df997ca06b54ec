import type { EventEnvelope, LeadAttributedData, LeadIngestedData, StageChangedData } from '@leadflow/contracts';
import { APP_LOGGER } from '@leadflow/logging';
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
import { COUNTED_LEAD_EVENTS, COUNTER_COLUMNS, LEAD_DAILY_COUNTERS } from './lead-daily-counters';

/**
 * Keeps the daily counters. Every write goes through the manager of the event's transaction, so
 * the increment commits together with the inbox row (or not at all). Increments are commutative,
 * so events converge to the same counts in any order; the upsert's row lock serializes concurrent
 * increments of one row.
 */
@Injectable()
export class LeadCountersService {
  constructor(@Inject(APP_LOGGER) private readonly logger: Logger) {}

  async countLeadIngested(event: EventEnvelope<LeadIngestedData>, manager: EntityManager): Promise<void> {
    await this.countOncePerLead(event, leadIngestedIncrement(event.data), manager);
  }

  async countLeadAttributed(event: EventEnvelope<LeadAttributedData>, manager: EntityManager): Promise<void> {
    await this.countOncePerLead(event, leadAttributedIncrement(event.data), manager);
  }

  async countStageChanged(event: EventEnvelope<StageChangedData>, manager: EntityManager): Promise<void> {
    await this.increment(event.workspaceId, stageChangedIncrement(event.data), manager);
  }

  /**
   * The inbox already skips an event id seen before; this also skips the same lead arriving again
   * under a new event id (a replay by its producer), since a lead is ingested and attributed once.
   */
  private async countOncePerLead(
    event: EventEnvelope<object>,
    { leadId, increment }: LeadIncrement,
    manager: EntityManager,
  ): Promise<void> {
    const first = (await manager.query(
      `INSERT INTO ${COUNTED_LEAD_EVENTS} ("workspace_id", "lead_id", "event_type", "day") VALUES ($1, $2, $3, $4::date)
       ON CONFLICT DO NOTHING RETURNING 1`,
      [event.workspaceId, leadId, event.type, increment.day],
    )) as unknown[];
    if (first.length === 0) {
      this.logger.info({ eventId: event.id, type: event.type, leadId }, 'lead already counted for this event type; skipped');
      return;
    }
    await this.increment(event.workspaceId, increment, manager);
  }

  private async increment(
    workspaceId: string,
    { day, source, offer, country, column }: CounterIncrement,
    manager: EntityManager,
  ): Promise<void> {
    // The column name is interpolated, so it must come from the closed list, never from event data.
    if (!(COUNTER_COLUMNS as readonly string[]).includes(column)) throw new Error(`unknown counter column ${column}`);
    await manager.query(
      `INSERT INTO ${LEAD_DAILY_COUNTERS} AS c ("workspace_id", "day", "source", "offer", "country", "${column}")
       VALUES ($1, $2::date, $3, $4, $5, 1)
       ON CONFLICT ("workspace_id", "day", "source", "offer", "country")
       DO UPDATE SET "${column}" = c."${column}" + 1, "updated_at" = now()`,
      [workspaceId, day, source, offer, country],
    );
  }
}
