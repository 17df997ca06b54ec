// Malformed input of every kind, over real HTTP: always a 4xx with a stable code, never a 5xx, a
// stack trace or a crashed app; what is acknowledged is stored and readable, what is refused is kept.
import { type LeadView, MAX_REJECTED_BODY_BYTES } from '@leadflow/contracts';
import { waitFor } from '@leadflow/testing';
import { createHash } from 'node:crypto';
import {
  adminCases,
  type AdminCase,
  batchCases,
  type IntakeCase,
  intakeCases,
  methodCases,
  protocolCases,
  type Refused,
} from './malformed-input.catalogue';
import { E2E_ADMIN_KEY, E2E_INTAKE_KEY, Platform } from './platform';
import { type HttpExchange, httpRequest, rawExchange, rawRequest } from './raw-http';

/** What a response must never show: a stack frame, a dependency path, a source location. */
const INTERNALS = /at \w+ \(|node_modules|\.ts:\d|\.js:\d/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type Json = Record<string, unknown>;

/** One item of a 207 batch answer, as senders read it. */
type BatchItemAnswer =
  | { index: number; status: 201; id: string; receivedAt: string; replayed: boolean }
  | { index: number; status: 400 | 422; error: { code: string; message: string } };

/** The two intake contracts: the legacy one answers in its own shapes, v1 in the platform's. */
interface IntakeRoute {
  path: string;
  acceptedBody: Json;
  leadId(body: Json): string;
  errorCode(body: Json): unknown;
  errorBody(code: string, requestId: string): Json;
}

const INTAKE_ROUTES: IntakeRoute[] = [
  {
    path: '/api/lead',
    acceptedBody: { ok: true, lead_id: expect.stringMatching(UUID), deduplicated: false },
    leadId: (body) => String(body.lead_id),
    errorCode: (body) => body.error,
    errorBody: (code) => ({ ok: false, error: code }),
  },
  {
    path: '/api/v1/leads',
    acceptedBody: { id: expect.stringMatching(UUID), receivedAt: expect.any(String) },
    leadId: (body) => String(body.id),
    errorCode: standardErrorCode,
    errorBody: standardErrorBody,
  },
];

function standardErrorCode(body: Json): unknown {
  return (body.error as Json | undefined)?.code;
}

function standardErrorBody(code: string, requestId: string): Json {
  return { error: { code, message: expect.any(String), requestId } };
}

describe('malformed input, sent over HTTP to every route', () => {
  let platform: Platform;
  /** Every lead id the platform acknowledged, to prove afterwards that each one is stored, once. */
  const acknowledged = new Set<string>();

  beforeAll(async () => {
    platform = await Platform.start();
  });

  afterAll(async () => {
    await platform?.stop();
  });

  const gateway = (path: string) => platform.gateway.url(path);

  function json(response: HttpExchange): Json {
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    return JSON.parse(response.body.toString('utf8')) as Json;
  }

  function expectNoInternals(response: HttpExchange): void {
    expect(response.status).toBeLessThan(500);
    expect(response.body.toString('utf8')).not.toMatch(INTERNALS);
  }

  function adminGet(path: string, authorization: string[] = [`Bearer ${E2E_ADMIN_KEY}`]): Promise<HttpExchange> {
    return httpRequest(gateway(path), { method: 'GET', headers: authorization.map((value): [string, string] => ['Authorization', value]) });
  }

  const readLead = (id: string) => platform.admin<LeadView>(`/api/v1/leads/${id}`);

  /** Short texts compare as themselves (a readable diff), long ones by size and digest. */
  function comparable(text: string): unknown {
    return text.length <= 2000 ? text : { length: text.length, sha256: createHash('sha256').update(text).digest('hex') };
  }

  async function expectRefused(
    response: HttpExchange,
    expected: Refused,
    errorCode: (body: Json) => unknown,
    sent?: Buffer,
  ): Promise<Json> {
    const body = json(response);
    expect({ status: response.status, code: errorCode(body), body }).toMatchObject({ status: expected.status, code: expected.code });
    if (expected.kept && sent) await expectKept(String(response.headers['x-request-id']), sent, expected.kept);
    return body;
  }

  /** A body refused as invalid_payload is kept for audit: its reason and its first 64 KiB. */
  async function expectKept(requestId: string, sent: Buffer, reason: RegExp): Promise<void> {
    const rows = await platform.db.query<{ reason: string; body: Buffer; body_bytes: number; truncated: boolean }>(
      'SELECT "reason", "body", "body_bytes", "truncated" FROM "ingestion"."rejected_requests" WHERE "request_id" = $1',
      [requestId],
    );
    expect(rows).toHaveLength(1);
    const [row] = rows;
    expect(row.reason).toMatch(reason);
    expect({
      bodyBytes: row.body_bytes,
      truncated: row.truncated,
      keptBytes: row.body.length,
      keptAsSent: row.body.equals(sent.subarray(0, MAX_REJECTED_BODY_BYTES)),
    }).toEqual({
      bodyBytes: sent.length,
      truncated: sent.length > MAX_REJECTED_BODY_BYTES,
      keptBytes: Math.min(sent.length, MAX_REJECTED_BODY_BYTES),
      keptAsSent: true,
    });
  }

  /** The Content-Type the gateway records: the header sent (the first, when repeated), JSON when none. */
  function recordedContentType(intake: IntakeCase): string {
    if (intake.contentType !== null) return intake.contentType ?? 'application/json';
    return intake.headers?.find(([name]) => name.toLowerCase() === 'content-type')?.[1] ?? 'application/json';
  }

  function intakeHeaders(intake: Pick<IntakeCase, 'contentType' | 'headers'>): Array<[string, string]> {
    const contentType = intake.contentType === undefined ? 'application/json' : intake.contentType;
    return [
      ['X-Api-Key', E2E_INTAKE_KEY],
      ...(contentType === null ? [] : [['Content-Type', contentType] as [string, string]]),
      ...(intake.headers ?? []),
    ];
  }

  describe.each(INTAKE_ROUTES)('POST $path', (route) => {
    it.each(intakeCases)('$name', async (intake) => {
      const sent = Buffer.isBuffer(intake.body) ? intake.body : Buffer.from(intake.body, 'utf8');
      const response = await httpRequest(gateway(route.path), { headers: intakeHeaders(intake), body: sent });
      expectNoInternals(response);

      if ('code' in intake.expect) {
        const body = await expectRefused(response, intake.expect, route.errorCode, sent);
        expect(body).toEqual(route.errorBody(intake.expect.code, String(response.headers['x-request-id'])));
        return;
      }
      const body = json(response);
      expect({ status: response.status, body }).toEqual({ status: 201, body: route.acceptedBody });
      const id = route.leadId(body);
      acknowledged.add(id);
      const lead = await readLead(id);
      // A view shows at most 256 KiB of the raw body; the stored bytes are checked in full.
      const [stored] = await platform.db.query<{ body: Buffer }>(`SELECT body FROM ingestion.raw_leads WHERE id = $1`, [id]);
      expect(comparable(stored?.body.toString('utf8') ?? '')).toEqual(comparable(sent.toString('utf8')));
      expect(lead.raw.bodyBytes).toBe(sent.length);
      expect(lead.raw.truncated).toBe(sent.length > 256 * 1024);
      if (!lead.raw.truncated) expect(comparable(lead.raw.body)).toEqual(comparable(sent.toString('utf8')));
      expect(lead.raw.contentType).toBe(recordedContentType(intake));
      intake.expect.check?.(lead, response);
    });
  });

  describe('POST /api/lead with one Idempotency-Key and hostile bodies', () => {
    const send = (key: string, body: string) =>
      httpRequest(gateway('/api/lead'), {
        headers: [
          ['X-Api-Key', E2E_INTAKE_KEY],
          ['Content-Type', 'application/json'],
          ['Idempotency-Key', key],
        ],
        body,
      });

    it.each([
      [
        'the same hostile body again',
        '{"firstName":"\\u0000\\ud800<script>","__proto__":{"x":1}}',
        '{"firstName":"\\u0000\\ud800<script>","__proto__":{"x":1}}',
      ],
      ['the same object with its keys in another order', '{"a":"\\u202e","b":[1,{"c":null}]}', '{"b":[1,{"c":null}],"a":"\\u202e"}'],
    ])('answers 409 with the first lead_id for %s', async (_name, first, second) => {
      const key = `same-${createHash('sha256').update(first).digest('hex').slice(0, 16)}`;
      const stored = await send(key, first);
      expect(stored.status).toBe(201);
      const leadId = json(stored).lead_id;
      acknowledged.add(String(leadId));
      const replay = await send(key, second);
      expectNoInternals(replay);
      expect({ status: replay.status, body: json(replay) }).toEqual({
        status: 409,
        body: { ok: true, lead_id: leadId, deduplicated: true },
      });
    });

    // A NUL or a lone surrogate cannot be stored in jsonb, but the sender did send it: another body.
    it.each([
      ['only by a NUL character', '{"firstName":"Ana\\u0000"}', '{"firstName":"Ana"}'],
      ['only by a lone surrogate', '{"firstName":"Ana\\ud800"}', '{"firstName":"Ana\\ufffd"}'],
    ])('answers 422 idempotency_key_reused for a body that differs %s', async (_name, first, second) => {
      const key = `differs-${createHash('sha256').update(first).digest('hex').slice(0, 16)}`;
      const stored = await send(key, first);
      expect(stored.status).toBe(201);
      acknowledged.add(String(json(stored).lead_id));
      const other = await send(key, second);
      expectNoInternals(other);
      expect({ status: other.status, body: json(other) }).toEqual({ status: 422, body: { ok: false, error: 'idempotency_key_reused' } });
    });
  });

  describe('POST /api/v1/leads/batch', () => {
    it.each(batchCases)('$name', async (batch) => {
      const sent = Buffer.isBuffer(batch.body) ? batch.body : Buffer.from(batch.body, 'utf8');
      const response = await httpRequest(gateway('/api/v1/leads/batch'), { headers: intakeHeaders(batch), body: sent });
      expectNoInternals(response);

      if ('code' in batch.expect) {
        const body = await expectRefused(response, batch.expect, standardErrorCode, sent);
        expect(body).toEqual(standardErrorBody(batch.expect.code, String(response.headers['x-request-id'])));
        return;
      }
      const body = json(response);
      expect({ status: response.status, error: body.error }).toEqual({ status: 207, error: undefined });
      const results = body.results as BatchItemAnswer[];
      const outcomes = results.map((result) => (result.status === 201 ? 201 : [result.status, result.error.code]));
      expect(outcomes).toEqual(batch.expect.items);
      const stored = results.flatMap((result) => (result.status === 201 ? [result.id] : []));
      for (const id of stored) acknowledged.add(id);
      // Reading back every item of the 500-lead batch would add nothing but time.
      for (const id of new Set(stored.slice(0, 20))) await readLead(id);
    });
  });

  describe('methods the intake routes do not answer', () => {
    it.each(methodCases)('$method $path is a JSON 404 or 405', async ({ method, path }) => {
      const response = await httpRequest(gateway(path), {
        method,
        headers: [['Content-Type', 'application/json']],
        body: ['GET', 'OPTIONS', 'TRACE', 'PROPFIND'].includes(method) ? undefined : '{"email":"ana@example.com"}',
      });
      expectNoInternals(response);
      expect([404, 405]).toContain(response.status);
      const code = response.status === 404 ? 'not_found' : 'method_not_allowed';
      expect(json(response)).toEqual(standardErrorBody(code, String(response.headers['x-request-id'])));
    });

    it('HEAD /api/lead is a 404 without a body', async () => {
      const response = await httpRequest(gateway('/api/lead'), { method: 'HEAD' });
      expect({ status: response.status, bytes: response.body.length }).toEqual({ status: 404, bytes: 0 });
    });
  });

  describe('admin routes with bad queries, ids and credentials', () => {
    it.each(adminCases)('$name', async (admin: AdminCase) => {
      const response = await adminGet(admin.path, admin.authorization);
      expectNoInternals(response);
      if ('code' in admin.expect) {
        const body = await expectRefused(response, admin.expect, standardErrorCode);
        expect(body).toEqual(standardErrorBody(admin.expect.code, String(response.headers['x-request-id'])));
        return;
      }
      const body = json(response);
      expect({ status: response.status, error: body.error }).toEqual({ status: 200, error: undefined });
      if ('items' in body) expect(body.items).toEqual([]);
    });
  });

  describe('requests the HTTP parser refuses', () => {
    it.each(protocolCases)('$name', async (protocol) => {
      const [requestLine, headers, body] = protocol.request;
      const request = rawRequest(requestLine, [...headers, ['X-Api-Key', E2E_INTAKE_KEY]], body);
      const responses = await rawExchange(platform.gateway.port, request, { halfClose: protocol.halfClose });
      expect(responses.length).toBeGreaterThan(0);
      for (const response of responses) {
        expectNoInternals(response);
        expect({ status: response.status, body: jsonOrText(response.body) }).toEqual({
          status: protocol.status,
          body: { error: expect.objectContaining({ code: expect.any(String) }) },
        });
      }
    });
  });

  describe('afterwards', () => {
    it('has every app still running and ready', async () => {
      for (const app of platform.apps.values()) {
        const ready = await fetch(app.url('/health/ready'));
        expect({
          service: app.service,
          exitCode: app.process.child.exitCode,
          signal: app.process.child.signalCode,
          ready: ready.status,
        }).toEqual({
          service: app.service,
          exitCode: null,
          signal: null,
          ready: 200,
        });
      }
    });

    it('stored every acknowledged lead exactly once, and nothing for a refused request', async () => {
      const ids = [...acknowledged];
      const stored = await platform.db.query<{ id: string }>('SELECT "id" FROM "ingestion"."leads" WHERE "id" = ANY($1::uuid[])', [ids]);
      expect(ids.filter((id) => !stored.some((row) => row.id === id))).toEqual([]);
      const unacknowledged = await platform.db.query(
        `SELECT "id", "content_type", "headers", encode(substring("body" from 1 for 200), 'escape') AS "body"
         FROM "ingestion"."raw_leads" WHERE NOT ("id" = ANY($1::uuid[]))`,
        [ids],
      );
      expect(unacknowledged).toEqual([]);
    });

    it('carried every stored lead through contacts, scoring and metrics without a dead letter', async () => {
      const [{ leads }] = await platform.db.query<{ leads: number }>('SELECT count(*)::int AS "leads" FROM "ingestion"."leads"');
      const consumed = `
        SELECT (SELECT count(*) FROM "ingestion"."outbox" WHERE "published_at" IS NULL)::int AS "unpublished",
               (SELECT count(*) FROM "contacts"."contact_leads")::int AS "contacts",
               (SELECT count(*) FROM "scoring"."activities" WHERE "event" = 'lead_submitted')::int AS "scoring",
               (SELECT count(*) FROM "metrics"."counted_lead_events" WHERE "event_type" = 'lead.attributed')::int AS "metrics"`;
      const expected = { unpublished: 0, contacts: leads, scoring: leads, metrics: leads };
      let last: unknown;
      // On a timeout the comparison below shows how far the consumers got.
      await waitFor(
        async () => {
          [last] = await platform.db.query(consumed);
          return JSON.stringify(last) === JSON.stringify(expected);
        },
        { timeoutMs: 60000, intervalMs: 250 },
      ).catch(() => undefined);
      expect(last).toEqual(expected);
      for (const schema of ['gateway', 'ingestion', 'contacts', 'scoring', 'metrics']) {
        const deadLetters = await platform.db.query<{ subject: string; error: string }>(
          `SELECT "subject", "error" FROM "${schema}"."dead_letters"`,
        );
        expect({ schema, deadLetters }).toEqual({ schema, deadLetters: [] });
      }
    });

    it('logged no error and no fatal in any app', () => {
      const problems = [...platform.apps.values()].flatMap((app) =>
        app.process
          .output()
          .split('\n')
          .filter((line) => /"level":(?:"error"|"fatal"|50\b|60\b)/.test(line))
          .map((line) => `${app.service}: ${logSummary(line)}`),
      );
      expect(problems).toEqual([]);
    });
  });
});

function jsonOrText(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return body.toString('latin1');
  }
}

/** One log line, short: its message, its error and the request that caused it. */
function logSummary(line: string): string {
  try {
    const entry = JSON.parse(line) as { msg?: string; requestId?: string; err?: { type?: string; message?: string } };
    return `${entry.msg} (${entry.err?.type}: ${entry.err?.message}) request ${entry.requestId}`;
  } catch {
    return line.slice(0, 300);
  }
}
