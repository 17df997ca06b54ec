import {
  type ActivityAttributedData,
  type ActivityCounts,
  type ActivityDailyReport,
  type EventEnvelope,
  type StageChangedData,
  type StageCounts,
  STAGES,
} from '@leadflow/contracts';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { resolveReportRange } from '../lead-reports/report-range';
import { daysBetween, formatDay } from '../utc-calendar/utc-calendar';
import { activityCount, stagesReached } from './activity-increments';
import { ActivityMetricsRepository } from './activity-metrics.repository';
import type { ActivityReportQueryDto } from './dto/activity-report-query.dto';

function noStages(): StageCounts {
  return Object.fromEntries(STAGES.map((stage) => [stage, 0])) as StageCounts;
}

function emptyCounts(): ActivityCounts {
  return { events: 0, byName: {}, stageEntries: noStages(), funnel: noStages() };
}

/** Adds `counts` into `into`. */
function addCounts(into: ActivityCounts, counts: ActivityCounts): void {
  into.events += counts.events;
  for (const [name, events] of Object.entries(counts.byName)) into.byName[name] = (into.byName[name] ?? 0) + events;
  for (const stage of STAGES) {
    into.stageEntries[stage] += counts.stageEntries[stage];
    into.funnel[stage] += counts.funnel[stage];
  }
}

/** Counts activities per day and name and the stage funnel, and reports them with stage entries. */
@Injectable()
export class ActivityMetricsService {
  constructor(private readonly repository: ActivityMetricsRepository) {}

  /** One statement per batch; an activity already counted (under any event id) adds nothing. */
  countActivities(manager: EntityManager, events: ReadonlyArray<EventEnvelope<ActivityAttributedData>>): Promise<void> {
    return this.repository.count(manager, events.map(activityCount));
  }

  /** Records the first day each contact reached each stage. */
  recordStagesReached(manager: EntityManager, events: ReadonlyArray<EventEnvelope<StageChangedData>>): Promise<void> {
    return this.repository.recordReached(manager, events.flatMap(stagesReached));
  }

  /** Every day of the range, zero-filled; the total is summed from the same rows as the breakdown. */
  async daily(query: ActivityReportQueryDto): Promise<ActivityDailyReport> {
    const range = resolveReportRange(query.from, query.to);
    const [events, entries, funnel] = await Promise.all([
      this.repository.eventsByDay(query.workspaceId, range.from, range.to),
      this.repository.stageEntriesByDay(query.workspaceId, range.from, range.to),
      this.repository.funnelByDay(query.workspaceId, range.from, range.to),
    ]);
    const days = new Map<string, ActivityCounts>();
    const dayOf = (date: string): ActivityCounts => {
      let counts = days.get(date);
      if (!counts) days.set(date, (counts = emptyCounts()));
      return counts;
    };
    for (const row of events) {
      const counts = dayOf(row.day);
      counts.byName[row.name] = row.events;
      counts.events += row.events;
    }
    for (const row of entries) for (const stage of STAGES) dayOf(row.day).stageEntries[stage] = row[stage];
    for (const row of funnel) dayOf(row.day).funnel[row.stage] = row.contacts;
    const total = emptyCounts();
    const breakdown = daysBetween(range.firstDay, range.lastDay).map((dayNumber) => {
      const date = formatDay(dayNumber);
      const counts = days.get(date) ?? emptyCounts();
      addCounts(total, counts);
      return { date, ...counts };
    });
    return { from: range.from, to: range.to, total, breakdown };
  }
}
