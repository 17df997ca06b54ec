/**
 * Intake senders as a careful client writes them: each lead has its own Idempotency-Key, and a
 * lead not acknowledged (503, 5xx, 429, no answer) is sent again with the same key and body.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface SendTally {
  /** HTTP requests made, retries included. */
  sends: number;
  /** Requests that repeated a key after an answer other than 201/409. */
  retries: number;
  /** Each acknowledged key's lead_id (from its 201, or the 409 of a retry whose first try was stored). */
  acknowledged: Map<string, string>;
  /** How many requests got each answer: `201`, `409`, `503`, `network error`, … */
  answers: Record<string, number>;
  /** Keys answered something no retry can fix (4xx other than 409 and 429), with that answer. */
  refused: Map<string, string>;
  /** Keys still not acknowledged when the senders were told to finish. */
  unanswered: string[];
}

export interface RetryingSendersOptions {
  /** The gateway's `POST /api/lead`. */
  url: string;
  intakeKey: string;
  /** Keys are `<prefix>-<n>`, unique per run. */
  keyPrefix: string;
  /** How long a lead under way may still be retried once `finish()` is called. */
  finishWithinMs: number;
}

const REQUEST_TIMEOUT_MS = 10_000;
const RETRY_DELAY_MS = 250;
/** A Retry-After longer than this is cut short: the test waits for a restart, not for a schedule. */
const MAX_RETRY_DELAY_MS = 1000;

export class RetryingSenders {
  readonly tally: SendTally = { sends: 0, retries: 0, acknowledged: new Map(), answers: {}, refused: new Map(), unanswered: [] };
  private next = 0;
  private running = false;
  private deadline = Infinity;
  private workers: Promise<void>[] = [];

  constructor(private readonly options: RetryingSendersOptions) {}

  start(concurrency: number): void {
    this.running = true;
    this.workers = Array.from({ length: concurrency }, () => this.work());
  }

  /** No new leads; resolves once every lead under way is acknowledged, refused, or out of time (`withinMs`). */
  async finish(withinMs = this.options.finishWithinMs): Promise<SendTally> {
    this.running = false;
    this.deadline = Math.min(this.deadline, Date.now() + withinMs);
    await Promise.all(this.workers);
    return this.tally;
  }

  private async work(): Promise<void> {
    while (this.running) {
      const key = `${this.options.keyPrefix}-${this.next++}`;
      await this.sendUntilAcknowledged(key, JSON.stringify({ email: `${key}@restart.example`, country: 'Germany', offer: 'restart' }));
    }
  }

  private async sendUntilAcknowledged(key: string, body: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      if (attempt > 1) this.tally.retries += 1;
      this.tally.sends += 1;
      const answer = await this.post(key, body);
      this.tally.answers[answer.status] = (this.tally.answers[answer.status] ?? 0) + 1;
      if ((answer.status === '201' || answer.status === '409') && answer.leadId) {
        this.tally.acknowledged.set(key, answer.leadId);
        return;
      }
      if (/^4\d\d$/.test(answer.status) && answer.status !== '429') {
        this.tally.refused.set(key, `${answer.status} ${answer.text}`);
        return;
      }
      if (Date.now() >= this.deadline) {
        this.tally.unanswered.push(key);
        return;
      }
      await sleep(answer.retryAfterMs ?? RETRY_DELAY_MS);
    }
  }

  private async post(key: string, body: string): Promise<{ status: string; leadId?: string; text: string; retryAfterMs?: number }> {
    try {
      const response = await fetch(this.options.url, {
        method: 'POST',
        headers: { 'X-Api-Key': this.options.intakeKey, 'Content-Type': 'application/json', 'Idempotency-Key': key },
        body,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const text = await response.text();
      const retryAfter = Number(response.headers.get('retry-after'));
      return {
        status: String(response.status),
        leadId: leadIdOf(text),
        text: text.slice(0, 200),
        retryAfterMs: retryAfter > 0 ? Math.min(retryAfter * 1000, MAX_RETRY_DELAY_MS) : undefined,
      };
    } catch (error) {
      return { status: 'no answer', text: error instanceof Error ? error.message : String(error) };
    }
  }
}

function leadIdOf(text: string): string | undefined {
  try {
    const parsed = JSON.parse(text) as { lead_id?: unknown };
    return typeof parsed.lead_id === 'string' ? parsed.lead_id : undefined;
  } catch {
    return undefined;
  }
}
