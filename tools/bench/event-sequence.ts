/**
 * The events bench's traffic: batches of 100 activity events, each new, for a mix of identified and
 * anonymous visitors, with identify calls that merge anonymous visitors of earlier batches into
 * known contacts.
 */
export const EVENTS_PER_BATCH = 100;
/** New visitors per batch, and the events each sends in it. */
const VISITORS_PER_BATCH = 10;
const EVENTS_PER_VISITOR = 9;
/** Of a batch's new visitors, the first ones send with a user id and email; the others are anonymous. */
const IDENTIFIED_PER_BATCH = 4;
/** Anonymous visitors of the batch this many batches back identify in this one (a merge each). */
const IDENTIFY_LAG = 3;
const IDENTIFIES_PER_BATCH = 3;
const NAMES = ['page_view', 'page_view', 'page_view', 'page_view', 'download', 'signup', 'video_play', 'page_view', 'demo_request'];

export interface EventBatch {
  body: string;
  events: number;
  /** Identify calls in it that should merge an anonymous profile. */
  identifies: number;
}

export class EventSequence {
  private batch = 0;

  constructor(private readonly runId: string) {}

  /** The next batch of exactly EVENTS_PER_BATCH events. */
  take(): EventBatch {
    const n = this.batch;
    this.batch += 1;
    const now = Date.now();
    const events: Array<Record<string, unknown>> = [];
    let serial = 0;
    const messageId = (): string => `${this.runId}-b${n}-${(serial += 1)}`;
    const visitorId = (batch: number, v: number): string => `${this.runId}-${batch}-${v}`;
    for (let v = 0; v < VISITORS_PER_BATCH; v += 1) {
      const id = visitorId(n, v);
      const identity = v < IDENTIFIED_PER_BATCH ? { userId: `u-${id}`, email: `${id}@bench.example.com` } : { anonymousId: `a-${id}` };
      for (let e = 0; e < EVENTS_PER_VISITOR; e += 1) {
        const name = NAMES[e % NAMES.length] as string;
        const timestamp = new Date(now - (EVENTS_PER_VISITOR - e) * 1000).toISOString();
        events.push(
          name === 'page_view'
            ? { type: 'page', messageId: messageId(), timestamp, ...identity, properties: { path: `/p/${e}` } }
            : { type: 'track', event: name, messageId: messageId(), timestamp, ...identity, properties: { step: e } },
        );
      }
    }
    let identifies = 0;
    if (n >= IDENTIFY_LAG) {
      for (let v = IDENTIFIED_PER_BATCH; v < IDENTIFIED_PER_BATCH + IDENTIFIES_PER_BATCH; v += 1) {
        const id = visitorId(n - IDENTIFY_LAG, v);
        events.push({
          type: 'identify',
          messageId: messageId(),
          anonymousId: `a-${id}`,
          userId: `u-${id}`,
          email: `${id}@bench.example.com`,
          traits: { plan: 'trial' },
        });
        identifies += 1;
      }
    }
    // Returning identified visitors of earlier batches fill the batch up.
    for (let r = 0; events.length < EVENTS_PER_BATCH; r += 1) {
      const id = visitorId(Math.max(0, n - 1 - (r % 5)), r % IDENTIFIED_PER_BATCH);
      events.push({ type: 'page', messageId: messageId(), userId: `u-${id}`, properties: { path: '/back' } });
    }
    return { body: JSON.stringify({ events }), events: events.length, identifies };
  }
}
