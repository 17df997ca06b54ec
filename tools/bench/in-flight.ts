import { SERVICE_NAMES } from '@leadflow/contracts';
import { streamBacklog } from '@leadflow/dev-services';
import type { Pool } from 'pg';

/**
 * What is still in flight in the pipeline: events in the apps' outboxes and messages their durable
 * consumers have not acknowledged. Zero means every app has applied everything published so far:
 * a row stays in an outbox only until JetStream took its message, and a consumer acknowledges a
 * message once its events are committed (with the events they caused in that app's outbox).
 */
export interface InFlight {
  /** Unpublished events plus unacknowledged messages (a message packs up to a relay batch of events): not a count of events. */
  pending: number;
  /** Unpublished events in the apps' outboxes (a row packs several). */
  outboxRows: number;
  /** Messages not yet acknowledged by the consumers that must take them. */
  messages: number;
  /** Where: `<app> outbox` and `<stream>/<durable>`, only those with something left. */
  detail: Record<string, number>;
}

export async function readInFlight(db: Pool, natsUrl: string, namespace: string): Promise<InFlight> {
  const detail: Record<string, number> = {};
  let outboxRows = 0;
  for (const service of SERVICE_NAMES) {
    const outbox = await db.query<{ n: number }>(`SELECT coalesce(sum("count"), 0)::int AS "n" FROM "${service}"."outbox"`);
    const n = outbox.rows[0]?.n ?? 0;
    if (n > 0) detail[`${service} outbox`] = n;
    outboxRows += n;
  }
  const backlog = await streamBacklog(natsUrl, namespace);
  Object.assign(detail, backlog.consumers);
  return { pending: outboxRows + backlog.pending, outboxRows, messages: backlog.pending, detail };
}

/** `3 in contacts outbox, 1 in BENCHX_CONTACTS/benchx_scoring-contact-created`, for progress and failure lines. */
export function describeInFlight(inFlight: InFlight): string {
  return Object.entries(inFlight.detail)
    .map(([where, n]) => `${n} in ${where}`)
    .join(', ');
}
