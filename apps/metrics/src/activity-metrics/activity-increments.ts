import type { ActivityAttributedData, EventEnvelope, Stage, StageChangedData } from '@leadflow/contracts';
import { STAGES } from '@leadflow/contracts';
import { UncountableEventError } from '../lead-counters/counter-increments';
import { utcDayOf } from '../utc-calendar/utc-calendar';
import type { ActivityCount, StageReached } from './activity-metrics.repository';

/**
 * `activity.attributed` → one activity under its name, on the UTC day it occurred. An occurredAt a
 * counter cannot hold (it is flagged, not refused, by intake) falls back to the day it was received.
 */
export function activityCount(event: Pick<EventEnvelope<ActivityAttributedData>, 'workspaceId' | 'data'>): ActivityCount {
  const { data } = event;
  const day = utcDayOf(data.occurredAt) ?? utcDayOf(data.receivedAt);
  if (day === null) throw new UncountableEventError('data.occurredAt and data.receivedAt fall on no day a counter can hold');
  return { workspaceId: event.workspaceId, activityId: data.activityId, day, name: data.name };
}

/**
 * `stage.changed` → the stages a contact reached: `to` and every stage below it (a contact at hot
 * has passed cold and warm, even when the changes that took it there were made under another
 * contact id and merged, or came from a rescore). Only the first day each is reached is kept.
 */
export function stagesReached(event: Pick<EventEnvelope<StageChangedData>, 'workspaceId' | 'data'>): StageReached[] {
  const { data } = event;
  const day = utcDayOf(data.at);
  if (day === null) throw new UncountableEventError('data.at must be an ISO 8601 timestamp of a day between years 1 and 9999');
  const to = STAGES.indexOf(data.to);
  const reached: Stage[] = STAGES.filter((_, rank) => rank <= to);
  return reached.map((stage) => ({ workspaceId: event.workspaceId, contactId: data.contactId, stage, day }));
}
