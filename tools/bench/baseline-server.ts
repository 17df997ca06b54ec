/**
 * The bench's yardstick: about the least a lead intake can do — one process, Fastify, a `pg` pool,
 * one `INSERT … ON CONFLICT DO NOTHING RETURNING id` per request — answering like `POST /api/lead`.
 * Started by tools/bench/main.ts as a child process: env DATABASE_URL, HTTP_PORT, HTTP_HOST,
 * BASELINE_POOL_SIZE.
 */
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { Pool } from 'pg';

export const BASELINE_SCHEMA = 'bench_baseline';
const TABLE = `${BASELINE_SCHEMA}.leads`;
const WORKSPACE_ID = 'default';
const SOURCE = 'api_lead';

interface LeadAnswer {
  status: number;
  body: { ok: true; lead_id: string; deduplicated: boolean } | { ok: false; error: string };
}

async function createTable(pool: Pool): Promise<void> {
  await pool.query(`CREATE SCHEMA IF NOT EXISTS ${BASELINE_SCHEMA}`);
  await pool.query(`
    CREATE TABLE IF NOT EXISTS ${TABLE} (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      workspace_id text NOT NULL,
      source text NOT NULL,
      idempotency_key text,
      body jsonb NOT NULL,
      received_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (workspace_id, source, idempotency_key)
    )`);
}

function isJsonObject(text: string): boolean {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
  } catch {
    return false;
  }
}

async function storeLead(pool: Pool, idempotencyKey: string | null, body: string): Promise<LeadAnswer> {
  if (!isJsonObject(body)) return { status: 400, body: { ok: false, error: 'invalid_payload' } };
  const key = [WORKSPACE_ID, SOURCE, idempotencyKey] as const;
  const inserted = await pool.query<{ id: string }>(
    `INSERT INTO ${TABLE} (workspace_id, source, idempotency_key, body) VALUES ($1, $2, $3, $4)
     ON CONFLICT (workspace_id, source, idempotency_key) DO NOTHING RETURNING id`,
    [...key, body],
  );
  if (inserted.rows[0]) return { status: 201, body: { ok: true, lead_id: inserted.rows[0].id, deduplicated: false } };
  // Only a retry reaches this: the contract's 409 (same body) or 422 (key reused for another body).
  const existing = await pool.query<{ id: string; same: boolean }>(
    `SELECT id, body = $4::jsonb AS same FROM ${TABLE} WHERE workspace_id = $1 AND source = $2 AND idempotency_key = $3`,
    [...key, body],
  );
  const first = existing.rows[0];
  if (!first) return { status: 503, body: { ok: false, error: 'unavailable' } };
  if (!first.same) return { status: 422, body: { ok: false, error: 'idempotency_key_reused' } };
  return { status: 409, body: { ok: true, lead_id: first.id, deduplicated: true } };
}

function idempotencyKeyOf(request: FastifyRequest): string | null {
  const header = request.headers['idempotency-key'];
  const key = (Array.isArray(header) ? header.join(', ') : (header ?? '')).trim();
  return key.length > 0 ? key : null;
}

async function main(): Promise<void> {
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.BASELINE_POOL_SIZE ?? 10) });
  await createTable(pool);

  const app = Fastify({ logger: false });
  // The raw text is what gets stored, as the platform keeps the bytes it received.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  app.get('/health/ready', async () => ({ ok: true }));
  app.post('/api/lead', async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      const answer = await storeLead(pool, idempotencyKeyOf(request), typeof request.body === 'string' ? request.body : '');
      return reply.status(answer.status).send(answer.body);
    } catch {
      return reply.status(500).send({ ok: false, error: 'internal_error' });
    }
  });

  const stop = (): void => {
    void app
      .close()
      .then(() => pool.end())
      .finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);

  await app.listen({ port: Number(process.env.HTTP_PORT ?? 3100), host: process.env.HTTP_HOST ?? '127.0.0.1' });
  process.stdout.write(`${JSON.stringify({ level: 'info', msg: 'baseline started' })}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${JSON.stringify({ level: 'fatal', msg: 'baseline failed', err: String(error) })}\n`);
    process.exit(1);
  });
}
