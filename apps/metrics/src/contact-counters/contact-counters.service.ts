import type { ContactCounts, ContactsDailyReport, EventEnvelope } from '@leadflow/contracts';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { resolveReportRange } from '../lead-reports/report-range';
import { daysBetween, formatDay, utcDayOf } from '../utc-calendar/utc-calendar';
import { type ContactCounter, type ContactCountIncrement, ContactCounterRepository } from './contact-counter.repository';
import type { ContactsReportQueryDto } from './dto/contacts-report-query.dto';

/** An event of a batch and the counter it adds one to, on the UTC day it happened. */
export interface CountedContactEvent {
  event: Pick<EventEnvelope<object>, 'workspaceId' | 'occurredAt'>;
  counter: ContactCounter;
  /** When the change happened, if the event says (a deletion's deletedAt); else the event's time. */
  at?: string;
}

/** Sums a batch into one increment per workspace and day, so that it is written by one statement. */
export function contactCountIncrements(counted: readonly CountedContactEvent[]): ContactCountIncrement[] {
  const byKey = new Map<string, ContactCountIncrement>();
  for (const { event, counter, at } of counted) {
    const day = utcDayOf(at ?? event.occurredAt) ?? utcDayOf(event.occurredAt);
    if (!day) continue;
    const key = `${event.workspaceId}\u0000${day}`;
    const increment = byKey.get(key) ?? { workspaceId: event.workspaceId, day, created: 0, deleted: 0, restored: 0 };
    increment[counter] += 1;
    byKey.set(key, increment);
  }
  return [...byKey.values()];
}

/** Counts contact records created, deleted and restored per day, and reports them. */
@Injectable()
export class ContactCountersService {
  constructor(private readonly counters: ContactCounterRepository) {}

  count(manager: EntityManager, counted: readonly CountedContactEvent[]): Promise<void> {
    return this.counters.add(manager, contactCountIncrements(counted));
  }

  /** Every day of the range, zero-filled; the total is summed from the same rows as the breakdown. */
  async daily(query: ContactsReportQueryDto): Promise<ContactsDailyReport> {
    const range = resolveReportRange(query.from, query.to);
    const rows = new Map((await this.counters.byDay(query.workspaceId, range.from, range.to)).map((row) => [row.day, row]));
    const breakdown = daysBetween(range.firstDay, range.lastDay).map((dayNumber) => {
      const date = formatDay(dayNumber);
      const row = rows.get(date);
      return { date, created: row?.created ?? 0, deleted: row?.deleted ?? 0, restored: row?.restored ?? 0 };
    });
    const total: ContactCounts = { created: 0, deleted: 0, restored: 0 };
    for (const day of breakdown) {
      total.created += day.created;
      total.deleted += day.deleted;
      total.restored += day.restored;
    }
    return { from: range.from, to: range.to, total, breakdown };
  }
}
