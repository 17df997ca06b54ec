import { SERVICE_NAMES } from '@leadflow/contracts';
import { waitFor } from '@leadflow/testing';
import { E2E_ADMIN_KEY, Platform } from './platform';

describe('the platform, driven through the gateway', () => {
  let platform: Platform;

  beforeAll(async () => {
    platform = await Platform.start();
  });

  afterAll(async () => {
    await platform?.stop();
  });

  it('brings all five apps to ready', async () => {
    for (const app of platform.apps.values()) {
      const response = await fetch(app.url('/health/ready'));
      expect({ service: app.service, status: response.status }).toEqual({ service: app.service, status: 200 });
    }
  });

  it('answers GET /health for existing monitors', async () => {
    const response = await fetch(platform.gateway.url('/health'));
    expect(response.status).toBe(200);
    const body = (await response.json()) as { ok: boolean; timestamp: string };
    expect(body.ok).toBe(true);
    expect(new Date(body.timestamp).toISOString()).toBe(body.timestamp);
  });

  it('reports every app over NATS and carries the caller request id to every hop', async () => {
    const requestId = `e2e-status-${Date.now()}`;
    const response = await fetch(platform.gateway.url('/api/v1/system/status'), {
      headers: { 'X-Request-Id': requestId, Authorization: `Bearer ${E2E_ADMIN_KEY}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe(requestId);
    const body = (await response.json()) as { ok: boolean; services: Array<{ service: string; ready: boolean }> };
    expect(body.ok).toBe(true);
    expect(body.services.map((s) => s.service)).toEqual([...SERVICE_NAMES]);
    expect(body.services.every((s) => s.ready)).toBe(true);
    for (const app of platform.apps.values()) {
      await app.process.waitForOutput(`"requestId":"${requestId}"`, 5000);
    }
  });

  it('generates a request id when the caller sends none, and replaces a hostile one', async () => {
    const generated = await fetch(platform.gateway.url('/health'));
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const hostile = await fetch(platform.gateway.url('/health'), { headers: { 'X-Request-Id': 'a'.repeat(300) } });
    expect(hostile.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers an unknown route with a JSON 404 and a stable code, no internals', async () => {
    const response = await fetch(platform.gateway.url('/api/v1/nothing-here'));
    expect(response.status).toBe(404);
    const body = (await response.json()) as { error: { code: string; message: string; requestId: string } };
    expect(body.error.code).toBe('not_found');
    expect(JSON.stringify(body)).not.toMatch(/at \w+ \(|node_modules|\.ts:/);
  });

  it('names the app that is down in the platform status, fast, with 503', async () => {
    const scoring = platform.app('scoring');
    scoring.process.kill('SIGTERM');
    expect(await scoring.process.exited).toEqual({ code: 0, signal: null });
    const started = Date.now();
    const response = await fetch(platform.gateway.url('/api/v1/system/status'), { headers: { Authorization: `Bearer ${E2E_ADMIN_KEY}` } });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(response.status).toBe(503);
    const body = (await response.json()) as { ok: boolean; services: Array<{ service: string; ready: boolean; error?: { code: string } }> };
    expect(body.ok).toBe(false);
    expect(body.services.find((s) => s.service === 'scoring')).toMatchObject({ ready: false, error: { code: 'unavailable' } });
    expect(body.services.filter((s) => s.ready).map((s) => s.service)).toEqual(['gateway', 'ingestion', 'contacts', 'metrics']);
  });

  it('stops every app on SIGTERM with exit code 0 within 10 s', async () => {
    const running = [...platform.apps.values()].filter((app) => app.service !== 'scoring');
    const signalledAt = Date.now();
    for (const app of running) app.process.kill('SIGTERM');
    const exits = await Promise.all(running.map(async (app) => ({ service: app.service, ...(await app.process.exited) })));
    expect(exits).toEqual(running.map((app) => ({ service: app.service, code: 0, signal: null })));
    expect(Date.now() - signalledAt).toBeLessThan(10000);
    await waitFor(() => running.every((app) => app.process.output().includes('"msg":"stopped"')), { what: 'stop log lines' });
  });
});
