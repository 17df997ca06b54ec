import { renderReadySummary } from './ready-summary';

describe('renderReadySummary', () => {
  const lines = renderReadySummary({
    apps: [
      { name: 'gateway', port: 3000, readyAfterMs: 4120 },
      { name: 'metrics', port: 3004, readyAfterMs: 12_345 },
    ],
    totalMs: 17_890,
    host: '127.0.0.1',
    adminKey: 'lf_test_admin-key-for-the-summary-00',
    intakeKey: 'lf_test_intake-key-for-the-summary-0',
    adminEmail: 'owner@example.com',
    adminPassword: 'a-long-password',
    postgres: { url: 'postgres://postgres@127.0.0.1:54329/leadflow', embedded: true, roles: ['leadflow_gateway', 'leadflow_metrics'] },
    nats: { url: 'nats://127.0.0.1:4222', embedded: false, perAppUsers: true },
    dataDir: '.data',
  });

  it('gives the time to ready and the gateway URL first', () => {
    expect(lines[0]).toBe('all 2 apps ready in 17.9 s');
    expect(lines).toContain('  ▶ LeadFlow gateway: http://127.0.0.1:3000   (API docs: http://127.0.0.1:3000/docs)');
  });

  it('prints the bootstrap keys, with a lead and an admin call that use them', () => {
    expect(lines).toContain('    intake key:    lf_test_intake-key-for-the-summary-0');
    expect(lines).toContain('    admin key:     lf_test_admin-key-for-the-summary-00');
    expect(lines).toContain('    admin sign-in: owner@example.com / a-long-password   (POST http://127.0.0.1:3000/api/v1/auth/login)');
    expect(lines.find((line) => line.includes('send a lead:'))).toContain("-H 'X-Api-Key: lf_test_intake-key-for-the-summary-0'");
    expect(lines.find((line) => line.includes('read leads:'))).toContain("-H 'Authorization: Bearer lf_test_admin-key-for-the-summary-00'");
  });

  it('lists the live, ready and metrics URLs of every app in aligned columns', () => {
    const header = lines.find((line) => line.includes('ready in') && line.includes('metrics'));
    const gateway = lines.find((line) => line.startsWith('  gateway'));
    const metrics = lines.find((line) => line.startsWith('  metrics'));
    expect(gateway).toContain(
      '  4.1 s   http://127.0.0.1:3000/health/live   http://127.0.0.1:3000/health/ready   http://127.0.0.1:3000/metrics',
    );
    expect(metrics).toContain(' 12.3 s   http://127.0.0.1:3004/health/live');
    expect(header?.indexOf('live')).toBe(gateway?.indexOf('http://'));
  });

  it('says which servers are embedded and where their data lives', () => {
    expect(lines).toContain('  PostgreSQL  postgres://postgres@127.0.0.1:54329/leadflow  (embedded, data in .data/postgres)');
    expect(lines).toContain('  NATS        nats://127.0.0.1:4222');
    expect(lines).toContain('              apps sign in as leadflow_gateway, leadflow_metrics, each owning its own schema alone');
    expect(lines).toContain('              one user per app, allowed its own subjects alone (.data/nats/nats.conf)');
  });
});
