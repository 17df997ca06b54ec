import { type IngestLeadGroupRequest, RpcSubjects } from '@leadflow/contracts';
import { AppHarness, type RunningProcess, waitFor } from '@leadflow/testing';
import { createHash, createHmac } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';

const ADMIN_KEY = 'lf_test_access-int-admin-key-00000000';
const INTAKE_KEY = 'lf_test_access-int-intake-key-0000000';
const LEAD = '{"email":"ana@example.com"}';
const OWNER = { email: 'owner@example.com', password: 'owner-password-1234' };
const TOKEN_SECRET = 'access-int-token-secret-000000000000000';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** An HS256 JWT made by hand, to present tokens the gateway did not issue. */
function signedToken(claims: Record<string, unknown>, secret: string): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${part({ alg: 'HS256' })}.${part(claims)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

interface Sent {
  workspaceId: string;
  source: string;
}

/**
 * Who may call what, against the gateway's own PostgreSQL and a stand-in ingestion over the real
 * NATS: keys, scopes, workspaces, revocation across replicas, the keyless legacy setting, the
 * bootstrap keys, and a walk through every route the gateway registers.
 */
describe('gateway: access control', () => {
  let h: AppHarness;
  const sent: Sent[] = [];
  const listed: Array<{ workspaceId: string }> = [];

  const url = (path: string, port = h.port) => `http://127.0.0.1:${port}${path}`;
  const call = (method: string, path: string, headers: Record<string, string> = {}, body?: string, port?: number) =>
    fetch(url(path, port), { method, headers: body === undefined ? headers : { 'Content-Type': 'application/json', ...headers }, body });
  const sendLead = (headers: Record<string, string>, path = '/api/lead', port?: number) => call('POST', path, headers, LEAD, port);
  const asAdmin = (key = ADMIN_KEY) => ({ Authorization: `Bearer ${key}` });

  beforeAll(async () => {
    h = await AppHarness.start('gateway', {
      BOOTSTRAP_ADMIN_KEY: ADMIN_KEY,
      BOOTSTRAP_INTAKE_KEY: INTAKE_KEY,
      BOOTSTRAP_ADMIN_EMAIL: OWNER.email,
      BOOTSTRAP_ADMIN_PASSWORD: OWNER.password,
      AUTH_TOKEN_SECRET: TOKEN_SECRET,
      CORS_ORIGINS: 'https://app.example.com',
    });
    h.answer(RpcSubjects.ingestion.leadIngestGroup, (data) => ({
      results: (data as IngestLeadGroupRequest).items.map((item) => {
        sent.push({ workspaceId: item.workspaceId, source: item.source });
        return { ok: true, reply: { leadId: uuidv7(), receivedAt: new Date().toISOString(), deduplicated: false } };
      }),
    }));
    h.answer(RpcSubjects.ingestion.leadList, (data) => {
      listed.push(data as { workspaceId: string });
      return { items: [], nextCursor: null };
    });
  });

  afterAll(async () => {
    await h?.stop();
  });

  beforeEach(() => {
    sent.length = 0;
    listed.length = 0;
  });

  it('refuses intake and admin calls without a valid key (401) or without the scope (403), in each route’s error shape', async () => {
    const answers = await Promise.all([
      sendLead({}),
      sendLead({ 'X-Api-Key': 'lf_test_not-a-key-anyone-was-given-00' }),
      sendLead({ 'X-Api-Key': ADMIN_KEY }),
      sendLead({}, '/api/v1/leads'),
      call('GET', '/api/v1/leads', { Authorization: 'Bearer nope' }),
      call('GET', '/api/v1/leads', { 'X-Api-Key': INTAKE_KEY }),
      call('POST', '/api/v1/workspaces/default/api-keys', { 'X-Api-Key': INTAKE_KEY }, '{"name":"x","scopes":["intake"]}'),
    ]);
    const bodies = await Promise.all(answers.map(async (response) => [response.status, await response.json()]));
    const standard = (code: string) => ({ error: { code, message: expect.any(String), requestId: expect.any(String) } });
    expect(bodies).toEqual([
      [401, { ok: false, error: 'unauthorized' }],
      [401, { ok: false, error: 'unauthorized' }],
      [403, { ok: false, error: 'forbidden' }],
      [401, standard('unauthorized')],
      [401, standard('unauthorized')],
      [403, standard('forbidden')],
      [403, standard('forbidden')],
    ]);
    expect(answers[0]?.headers.get('www-authenticate')).toBe('Bearer');
    expect(sent).toEqual([]);
  });

  it('takes the workspace and the source of a lead from its key, sent as X-Api-Key or as a bearer token', async () => {
    const byHeader = await sendLead({ 'X-Api-Key': INTAKE_KEY });
    const byBearer = await sendLead({ Authorization: `Bearer ${INTAKE_KEY}` }, '/api/v1/leads');
    expect([byHeader.status, byBearer.status]).toEqual([201, 201]);
    expect(sent).toEqual([
      { workspaceId: 'default', source: 'default' },
      { workspaceId: 'default', source: 'default' },
    ]);
  });

  it('creates a key shown once, stores only its hash, lists it without the key, and records its use', async () => {
    const created = await call('POST', '/api/v1/workspaces/default/api-keys', asAdmin(), '{"name":"landing-pages","scopes":["intake"]}');
    expect(created.status).toBe(201);
    const key = (await created.json()) as { id: string; key: string; prefix: string; scopes: string[]; lastUsedAt: null };
    expect(key).toMatchObject({ key: expect.stringMatching(/^lf_live_[A-Za-z0-9_-]{40}$/), scopes: ['intake'], lastUsedAt: null });
    expect(key.key.startsWith(key.prefix)).toBe(true);

    const [row] = await h.db.query<Record<string, unknown>>(`SELECT * FROM "gateway"."api_keys" WHERE "id" = $1`, [key.id]);
    expect(row?.key_hash).toBe(sha256(key.key));
    expect(JSON.stringify(row)).not.toContain(key.key);

    expect((await sendLead({ 'X-Api-Key': key.key })).status).toBe(201);
    expect(sent).toEqual([{ workspaceId: 'default', source: 'landing-pages' }]);
    await h.waitForRows(`SELECT 1 FROM "gateway"."api_keys" WHERE "id" = $1 AND "last_used_at" IS NOT NULL`, [key.id]);

    const list = (await (await call('GET', '/api/v1/workspaces/default/api-keys', asAdmin())).json()) as {
      items: Array<Record<string, unknown>>;
    };
    const listedKey = list.items.find((item) => item.id === key.id);
    expect(listedKey).toMatchObject({ name: 'landing-pages', prefix: key.prefix, revokedAt: null, lastUsedAt: expect.any(String) });
    expect(listedKey).not.toHaveProperty('key');
    expect(JSON.stringify(list)).not.toContain(key.key);
  });

  it.each([
    ['a name already used by a live key', '{"name":"default","scopes":["intake"]}', 409, 'name_taken'],
    ['an unknown scope', '{"name":"x","scopes":["admin:everything"]}', 400, 'validation_failed'],
    ['no scope', '{"name":"x","scopes":[]}', 400, 'validation_failed'],
    ['a name with a control character', '{"name":"a\\u0000b","scopes":["intake"]}', 400, 'validation_failed'],
    ['an unknown property', '{"name":"x","scopes":["intake"],"workspaceId":"acme"}', 400, 'validation_failed'],
    ['broken JSON', '{"name":', 400, 'invalid_payload'],
    ['a JSON array', '[]', 400, 'invalid_payload'],
  ])('refuses to create a key with %s', async (_name, body, status, code) => {
    const response = await call('POST', '/api/v1/workspaces/default/api-keys', asAdmin(), body);
    expect({ status: response.status, body: await response.json() }).toEqual({
      status,
      body: { error: { code, message: expect.any(String), requestId: expect.any(String) } },
    });
  });

  it('judges the credential before the body, and refuses a management body that is missing or not JSON', async () => {
    const path = '/api/v1/workspaces/default/api-keys';
    const answers = await Promise.all([
      call('POST', path, {}, '{"name":'),
      fetch(`http://127.0.0.1:${h.port}${path}`, {
        method: 'POST',
        headers: { ...asAdmin(), 'Content-Type': 'text/plain' },
        body: 'name=x',
      }),
      call('POST', path, asAdmin()),
    ]);
    expect(
      await Promise.all(
        answers.map(async (response) => [response.status, ((await response.json()) as { error: { code: string } }).error.code]),
      ),
    ).toEqual([
      [401, 'unauthorized'],
      [415, 'unsupported_media_type'],
      [400, 'invalid_payload'],
    ]);
  });

  it('stops accepting a revoked key within a second on every replica', async () => {
    const replica: { port: number; process: RunningProcess } = await h.startReplica();
    try {
      const created = await call('POST', '/api/v1/workspaces/default/api-keys', asAdmin(), '{"name":"to-revoke","scopes":["intake"]}');
      const key = (await created.json()) as { id: string; key: string };
      // Both replicas have just accepted the key: each holds it in its cache.
      expect([
        (await sendLead({ 'X-Api-Key': key.key })).status,
        (await sendLead({ 'X-Api-Key': key.key }, '/api/lead', replica.port)).status,
      ]).toEqual([201, 201]);
      const revokedAt = Date.now();
      expect((await call('DELETE', `/api/v1/workspaces/default/api-keys/${key.id}`, asAdmin(), undefined, replica.port)).status).toBe(204);
      const refusedAfter: number[] = [];
      for (const port of [h.port, replica.port]) {
        await waitFor(async () => (await sendLead({ 'X-Api-Key': key.key }, '/api/lead', port)).status === 401, {
          timeoutMs: 3000,
          intervalMs: 20,
        });
        refusedAfter.push(Date.now() - revokedAt);
      }
      expect(Math.max(...refusedAfter)).toBeLessThan(1000);
      const [row] = await h.db.query<{ revoked_at: Date | null }>(`SELECT "revoked_at" FROM "gateway"."api_keys" WHERE "id" = $1`, [
        key.id,
      ]);
      expect(row?.revoked_at).toBeInstanceOf(Date);
    } finally {
      replica.process.kill('SIGTERM');
      await replica.process.exited;
    }
  });

  it("answers a burst over a key's limit with 429s, counted across replicas, while another key is unaffected", async () => {
    const create = async (name: string, limit: string) =>
      (await (
        await call('POST', '/api/v1/workspaces/default/api-keys', asAdmin(), `{"name":"${name}","scopes":["intake"]${limit}}`)
      ).json()) as {
        key: string;
        rateLimit: unknown;
      };
    const limited = await create('limited', ',"rateLimitPerSecond":5,"rateLimitBurst":10');
    const other = await create('unlimited-enough', ',"rateLimitPerSecond":1000');
    expect([limited.rateLimit, other.rateLimit]).toEqual([
      { perSecond: 5, burst: 10 },
      { perSecond: 1000, burst: 2000 },
    ]);
    const replica = await h.startReplica();
    try {
      // 40 requests of the limited key, half through each replica, beside 40 of the other key.
      const burst = await Promise.all([
        ...Array.from({ length: 40 }, (_, i) => sendLead({ 'X-Api-Key': limited.key }, '/api/lead', i % 2 === 0 ? h.port : replica.port)),
        ...Array.from({ length: 40 }, (_, i) => sendLead({ 'X-Api-Key': other.key }, '/api/v1/leads', i % 2 === 0 ? h.port : replica.port)),
      ]);
      const limitedAnswers = burst.slice(0, 40);
      const accepted = limitedAnswers.filter((response) => response.status === 201).length;
      // 5 a second plus a burst of 5 more; one window turning over while the burst is sent adds at most 5.
      // Counted per replica instead of shared, it would be 20.
      expect(accepted).toBeGreaterThanOrEqual(10);
      expect(accepted).toBeLessThanOrEqual(15);
      const refused = limitedAnswers.find((response) => response.status === 429);
      expect(await refused?.json()).toEqual({ ok: false, error: 'rate_limited' });
      expect({
        retryAfter: refused?.headers.get('retry-after'),
        limit: refused?.headers.get('ratelimit-limit'),
        remaining: refused?.headers.get('ratelimit-remaining'),
        reset: refused?.headers.get('ratelimit-reset'),
      }).toEqual({ retryAfter: expect.stringMatching(/^[12]$/), limit: '5', remaining: '0', reset: expect.stringMatching(/^[12]$/) });
      expect(burst.slice(40).map((response) => response.status)).toEqual(Array.from({ length: 40 }, () => 201));

      // The budget comes back: a second later the key is served again.
      await waitFor(async () => (await sendLead({ 'X-Api-Key': limited.key })).status === 201, { timeoutMs: 3000, intervalMs: 100 });
    } finally {
      replica.process.kill('SIGTERM');
      await replica.process.exited;
    }
  });

  it("answers 404 for another workspace's ids, and scopes every admin read to the key's workspace", async () => {
    const acmeKey = 'lf_live_acme-admin-key-0000000000000000';
    await h.db.query(`INSERT INTO "gateway"."workspaces" ("id", "name") VALUES ('acme', 'Acme')`);
    await h.db.query(
      `INSERT INTO "gateway"."api_keys" ("id", "workspace_id", "name", "prefix", "key_hash", "scopes")
       VALUES ($1, 'acme', 'acme-admin', 'lf_live_acme-adm', $2, '{admin:read,admin:write}')`,
      [uuidv7(), sha256(acmeKey)],
    );
    const [defaultKey] = await h.db.query<{ id: string }>(`SELECT "id" FROM "gateway"."api_keys" WHERE "bootstrap" = 'intake'`);
    const acme = asAdmin(acmeKey);
    const answers = await Promise.all([
      call('GET', '/api/v1/workspaces/default', acme),
      call('GET', '/api/v1/workspaces/default/api-keys', acme),
      call('POST', '/api/v1/workspaces/default/api-keys', acme, '{"name":"sneaky","scopes":["intake"]}'),
      call('DELETE', `/api/v1/workspaces/default/api-keys/${defaultKey?.id}`, acme),
      call('PATCH', '/api/v1/workspaces/default', acme, '{"legacyIntakeOpen":true}'),
    ]);
    expect(answers.map((response) => response.status)).toEqual([404, 404, 404, 404, 404]);
    expect((await (await call('GET', '/api/v1/workspaces', acme)).json()) as unknown).toMatchObject({
      items: [{ id: 'acme', name: 'Acme' }],
    });

    expect((await call('GET', '/api/v1/leads', acme)).status).toBe(200);
    expect((await call('GET', '/api/v1/leads', asAdmin())).status).toBe(200);
    expect(listed.map((query) => query.workspaceId)).toEqual(['acme', 'default']);
    // Nothing of the default workspace changed.
    const [intakeKey] = await h.db.query<{ revoked_at: Date | null }>(
      `SELECT "revoked_at" FROM "gateway"."api_keys" WHERE "bootstrap" = 'intake'`,
    );
    expect(intakeKey?.revoked_at).toBeNull();
    expect(await h.db.query(`SELECT 1 FROM "gateway"."api_keys" WHERE "name" = 'sneaky'`)).toEqual([]);
  });

  it('lets keyless senders use POST /api/lead only while the default workspace allows it', async () => {
    expect((await sendLead({})).status).toBe(401);
    const opened = await call('PATCH', '/api/v1/workspaces/default', asAdmin(), '{"legacyIntakeOpen":true}');
    expect(await opened.json()).toMatchObject({ id: 'default', legacyIntakeOpen: true });
    await waitFor(async () => (await sendLead({})).status === 201, { timeoutMs: 2000, intervalMs: 50 });
    expect(sent.at(-1)).toEqual({ workspaceId: 'default', source: 'default' });
    expect((await sendLead({}, '/api/v1/leads')).status).toBe(401);

    await call('PATCH', '/api/v1/workspaces/default', asAdmin(), '{"legacyIntakeOpen":false}');
    await waitFor(async () => (await sendLead({})).status === 401, { timeoutMs: 2000, intervalMs: 50 });
  });

  interface Tokens {
    accessToken: string;
    refreshToken: string;
    workspaceId: string;
    role: string;
  }
  const signIn = async (email: string, password: string, workspaceId?: string) =>
    call('POST', '/api/v1/auth/login', {}, JSON.stringify({ email, password, ...(workspaceId ? { workspaceId } : {}) }));
  const tokensOf = async (response: Response) => {
    expect(response.status).toBe(200);
    return (await response.json()) as Tokens;
  };

  it('signs an admin in with email and password, and refuses a wrong password as it refuses an unknown email', async () => {
    const tokens = await tokensOf(await signIn(OWNER.email, OWNER.password));
    expect(tokens).toMatchObject({ workspaceId: 'default', role: 'owner', refreshToken: expect.stringMatching(/^lf_rt_/) });
    expect((await call('GET', '/api/v1/leads', asAdmin(tokens.accessToken))).status).toBe(200);
    expect(listed.at(-1)?.workspaceId).toBe('default');

    const wrongPassword = await signIn(OWNER.email, 'not-the-password');
    const unknownEmail = await signIn('nobody-at-all@example.com', OWNER.password);
    expect([await wrongPassword.json(), await unknownEmail.json()]).toEqual([
      { error: { code: 'unauthorized', message: 'The email or the password is wrong', requestId: expect.any(String) } },
      { error: { code: 'unauthorized', message: 'The email or the password is wrong', requestId: expect.any(String) } },
    ]);
    const [account] = await h.db.query<{ password_hash: string }>(
      `SELECT "password_hash" FROM "gateway"."admin_accounts" WHERE "email" = $1`,
      [OWNER.email],
    );
    expect(account?.password_hash).toMatch(/^\$argon2id\$/);
  });

  it('slows repeated failed sign-ins, then answers 429 with Retry-After without trying the password', async () => {
    const email = 'guessed@example.com';
    const timings: Array<[number, number]> = [];
    for (let attempt = 0; attempt < 6; attempt += 1) {
      const started = Date.now();
      const response = await signIn(email, `guess-${attempt}`);
      timings.push([response.status, Date.now() - started]);
      if (response.status === 429) {
        expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(await response.json()).toMatchObject({ error: { code: 'too_many_attempts' } });
      }
    }
    expect(timings.map(([status]) => status)).toEqual([401, 401, 401, 401, 401, 429]);
    // Each failure answers later than the one before: the fifth waits over a second.
    expect(timings[4]?.[1]).toBeGreaterThan(1000);
    expect(timings[4]?.[1]).toBeGreaterThan(timings[0]?.[1] ?? 0);
  });

  it('rotates refresh tokens, and signing out ends the access and refresh tokens at once', async () => {
    const first = await tokensOf(await signIn(OWNER.email, OWNER.password));
    const second = await tokensOf(await call('POST', '/api/v1/auth/refresh', {}, JSON.stringify({ refreshToken: first.refreshToken })));
    expect(second.refreshToken).not.toBe(first.refreshToken);
    const reused = await call('POST', '/api/v1/auth/refresh', {}, JSON.stringify({ refreshToken: first.refreshToken }));
    expect(reused.status).toBe(401);

    expect((await call('POST', '/api/v1/auth/logout', asAdmin(second.accessToken))).status).toBe(204);
    expect((await call('GET', '/api/v1/leads', asAdmin(second.accessToken))).status).toBe(401);
    expect((await call('POST', '/api/v1/auth/refresh', {}, JSON.stringify({ refreshToken: second.refreshToken }))).status).toBe(401);
    // A key cannot sign out: it has no session.
    expect((await call('POST', '/api/v1/auth/logout', asAdmin())).status).toBe(403);
  });

  it('refuses an expired token, a token signed with another secret, and a garbled one', async () => {
    const tokens = await tokensOf(await signIn(OWNER.email, OWNER.password));
    const [, payload] = tokens.accessToken.split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<string, unknown>;
    const forge = (secret: string, expiresAt: number) => signedToken({ ...claims, exp: expiresAt }, secret);
    const now = Math.floor(Date.now() / 1000);
    const answers = await Promise.all(
      [forge(TOKEN_SECRET, now - 5), forge('another-secret-of-the-same-length-00000', now + 600), `${tokens.accessToken}x`].map(
        async (token) => (await call('GET', '/api/v1/leads', asAdmin(token))).status,
      ),
    );
    expect(answers).toEqual([401, 401, 401]);
    expect((await call('GET', '/api/v1/leads', asAdmin(forge(TOKEN_SECRET, now + 600)))).status).toBe(200);
  });

  it('gives viewers read access only, lets owners manage admins, keeps the last owner, and ends a removed admin at once', async () => {
    const owner = await tokensOf(await signIn(OWNER.email, OWNER.password));
    const added = await call(
      'POST',
      '/api/v1/workspaces/default/admins',
      asAdmin(owner.accessToken),
      JSON.stringify({ email: 'Viewer@Example.com', password: 'viewer-password-1234', role: 'viewer' }),
    );
    expect(added.status).toBe(201);
    const viewerAccount = (await added.json()) as { accountId: string; email: string };
    expect(viewerAccount.email).toBe('viewer@example.com');

    const viewer = await tokensOf(await signIn('viewer@example.com', 'viewer-password-1234'));
    expect(viewer.role).toBe('viewer');
    const answers = await Promise.all([
      call('GET', '/api/v1/leads', asAdmin(viewer.accessToken)),
      call('GET', '/api/v1/workspaces/default/admins', asAdmin(viewer.accessToken)),
      call('POST', '/api/v1/workspaces/default/api-keys', asAdmin(viewer.accessToken), '{"name":"viewer-key","scopes":["intake"]}'),
      call('PATCH', '/api/v1/workspaces/default', asAdmin(viewer.accessToken), '{"name":"Renamed"}'),
      call('POST', '/api/v1/workspaces/default/admins', asAdmin(viewer.accessToken), '{"email":"x@example.com","role":"owner"}'),
      // A key with admin:write still cannot manage admins: that is for owners.
      call('POST', '/api/v1/workspaces/default/admins', asAdmin(), '{"email":"x@example.com","role":"owner"}'),
    ]);
    expect(answers.map((response) => response.status)).toEqual([200, 200, 403, 403, 403, 403]);

    const [ownerRow] = await h.db.query<{ id: string }>(`SELECT "id" FROM "gateway"."admin_accounts" WHERE "email" = $1`, [OWNER.email]);
    const lastOwner = await call('DELETE', `/api/v1/workspaces/default/admins/${ownerRow?.id}`, asAdmin(owner.accessToken));
    expect({ status: lastOwner.status, body: await lastOwner.json() }).toMatchObject({
      status: 409,
      body: { error: { code: 'last_owner' } },
    });

    expect((await call('DELETE', `/api/v1/workspaces/default/admins/${viewerAccount.accountId}`, asAdmin(owner.accessToken))).status).toBe(
      204,
    );
    expect((await call('GET', '/api/v1/leads', asAdmin(viewer.accessToken))).status).toBe(401);
  });

  it('lets an account create a workspace it owns, switch to it, and nothing else sees it', async () => {
    const owner = await tokensOf(await signIn(OWNER.email, OWNER.password));
    expect((await call('POST', '/api/v1/workspaces', asAdmin(), '{"name":"By a key"}')).status).toBe(403);
    const created = await call('POST', '/api/v1/workspaces', asAdmin(owner.accessToken), '{"name":"Second brand"}');
    expect(created.status).toBe(201);
    const workspace = (await created.json()) as { id: string };
    const listedWorkspaces = (await (await call('GET', '/api/v1/workspaces', asAdmin(owner.accessToken))).json()) as {
      items: Array<{ id: string }>;
    };
    expect(listedWorkspaces.items.map((item) => item.id)).toEqual(['default', workspace.id]);

    // The token is for `default`: the new workspace is reached by switching to it.
    expect((await call('GET', `/api/v1/workspaces/${workspace.id}/api-keys`, asAdmin(owner.accessToken))).status).toBe(404);
    const switched = await tokensOf(
      await call('POST', '/api/v1/auth/refresh', {}, JSON.stringify({ refreshToken: owner.refreshToken, workspaceId: workspace.id })),
    );
    expect(switched).toMatchObject({ workspaceId: workspace.id, role: 'owner' });
    const key = await call(
      'POST',
      `/api/v1/workspaces/${workspace.id}/api-keys`,
      asAdmin(switched.accessToken),
      '{"name":"brand","scopes":["intake"]}',
    );
    expect(key.status).toBe(201);
    expect((await call('GET', `/api/v1/workspaces/${workspace.id}`, asAdmin())).status).toBe(404);
    const { key: brandKey } = (await key.json()) as { key: string };
    expect((await sendLead({ 'X-Api-Key': brandKey })).status).toBe(201);
    expect(sent.at(-1)).toEqual({ workspaceId: workspace.id, source: 'brand' });
  });

  it('records every admin write in the audit log: who, what, before and after, and the request', async () => {
    const requestId = `audit-${Date.now()}`;
    await call('PATCH', '/api/v1/workspaces/default', { ...asAdmin(), 'X-Request-Id': requestId }, '{"name":"Default, renamed"}');
    const [adminKey] = await h.db.query<{ id: string }>(
      `SELECT "id" FROM "gateway"."api_keys" WHERE "bootstrap" = 'admin' AND "revoked_at" IS NULL`,
    );
    const page = (await (await call('GET', '/api/v1/audit?limit=100', asAdmin())).json()) as { items: Array<Record<string, unknown>> };
    expect(page.items.find((entry) => entry.requestId === requestId)).toMatchObject({
      workspaceId: 'default',
      actor: `key:${adminKey?.id}`,
      action: 'workspace.update',
      target: 'workspace:default',
      before: { name: expect.any(String) },
      after: { name: 'Default, renamed' },
    });
    const actions = new Set(page.items.map((entry) => entry.action));
    for (const action of ['api_key.create', 'api_key.revoke', 'admin.add', 'admin.remove', 'workspace.update'])
      expect(actions).toContain(action);
    expect(JSON.stringify(page)).not.toMatch(/lf_(live|test)_[A-Za-z0-9_-]{40}/);
  });

  it('sends security headers, and CORS headers only to the configured origins', async () => {
    const response = await call('GET', '/health');
    expect({
      nosniff: response.headers.get('x-content-type-options'),
      frames: response.headers.get('x-frame-options'),
      csp: response.headers.get('content-security-policy'),
    }).toEqual({ nosniff: 'nosniff', frames: 'SAMEORIGIN', csp: expect.stringContaining("default-src 'self'") });
    // Error answers too: an unknown route, and a request without a credential.
    for (const failed of [await call('GET', '/api/v1/no-such-route'), await call('GET', '/api/v1/leads')]) {
      expect(failed.status).toBeGreaterThanOrEqual(400);
      expect([failed.headers.get('x-content-type-options'), failed.headers.get('strict-transport-security')]).toEqual([
        'nosniff',
        'max-age=31536000; includeSubDomains',
      ]);
    }
    const preflight = (origin: string) =>
      call('OPTIONS', '/api/v1/leads', {
        Origin: origin,
        'Access-Control-Request-Method': 'GET',
        'Access-Control-Request-Headers': 'authorization',
      });
    const allowed = await preflight('https://app.example.com');
    const other = await preflight('https://evil.example.com');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('keeps the bootstrap keys across restarts, replaces the one whose variable changed, and never revives a revoked one', async () => {
    const before = await h.db.query<{ id: string; bootstrap: string }>(
      `SELECT "id", "bootstrap" FROM "gateway"."api_keys" WHERE "bootstrap" IS NOT NULL ORDER BY 2`,
    );
    await h.restart();
    expect(await h.db.query(`SELECT "id", "bootstrap" FROM "gateway"."api_keys" WHERE "bootstrap" IS NOT NULL ORDER BY 2`)).toEqual(before);

    const rotated = 'lf_test_access-int-admin-key-rotated0';
    await h.restart({ BOOTSTRAP_ADMIN_KEY: rotated, BOOTSTRAP_ADMIN_RATE_LIMIT: '7' });
    const withRotated = await call('GET', '/api/v1/leads', asAdmin(rotated));
    expect({ status: withRotated.status, policy: withRotated.headers.get('ratelimit-policy') }).toEqual({
      status: 200,
      policy: '7;w=1;burst=14',
    });
    expect((await call('GET', '/api/v1/leads', asAdmin(ADMIN_KEY))).status).toBe(401);

    // A key that existed before (here the revoked one) is not taken back: the gateway refuses to start, saying why.
    await expect(h.restart({ BOOTSTRAP_ADMIN_KEY: ADMIN_KEY })).rejects.toThrow(/BOOTSTRAP_ADMIN_KEY holds a key that already exists/);
  });
});
