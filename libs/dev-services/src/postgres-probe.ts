/** Short-lived `pg` connections for tools: does a server answer, and run one statement. */
import { Client } from 'pg';

export type ProbeResult = { ok: true } | { ok: false; reason: string };

/** Connects to `url` and runs `select 1` within `timeoutMs`; never throws. */
export async function probePostgres(url: string, timeoutMs = 2000): Promise<ProbeResult> {
  try {
    await withClient(url, timeoutMs, (client) => client.query('select 1'));
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: describePgError(error) };
  }
}

/** Runs `work` on a fresh connection to `url`, always closing it. */
export async function withClient<T>(url: string, timeoutMs: number, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({
    connectionString: url,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
    application_name: 'leadflow-tools',
  });
  client.on('error', () => undefined); // a dropped connection surfaces through the pending call instead
  try {
    await client.connect();
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export function describePgError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describePgError(error.errors[0]);
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const message = error.message || error.name;
  return typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message;
}
