import { APPS, readLauncherConfig, selectApps, withHttpPorts } from './config';

describe('selectApps', () => {
  it('starts all five apps in order when LEADFLOW_APPS is unset or blank', () => {
    expect(selectApps(undefined).map((app) => app.name)).toEqual(['gateway', 'ingestion', 'contacts', 'scoring', 'metrics']);
    expect(selectApps(' ')).toEqual([...APPS]);
  });

  it('keeps start order whatever order the subset is listed in', () => {
    expect(selectApps('metrics, gateway').map((app) => `${app.name}:${app.port}`)).toEqual(['gateway:3000', 'metrics:3004']);
  });

  it('names the unknown apps and the known ones', () => {
    expect(() => selectApps('gateway,billing')).toThrow('unknown apps: billing (known: gateway, ingestion, contacts, scoring, metrics)');
  });
});

describe('readLauncherConfig', () => {
  it('uses developer defaults', () => {
    const config = readLauncherConfig({}, '/repo');
    expect(config).toMatchObject({
      dataDir: '/repo/.data',
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/leadflow',
      databaseName: 'leadflow',
      natsUrl: undefined,
      logLevel: 'info',
      stopGraceMs: 15_000,
    });
    expect(config.apps).toHaveLength(5);
  });

  it('takes the database name from DATABASE_URL, and leadflow when it names none', () => {
    expect(readLauncherConfig({ DATABASE_URL: 'postgres://u@h:5432/lf_dev' }, '/r').databaseName).toBe('lf_dev');
    expect(readLauncherConfig({ DATABASE_URL: 'postgres://u@h:5432' }, '/r').databaseName).toBe('leadflow');
  });

  it('refuses a database name it would have to quote', () => {
    expect(() => readLauncherConfig({ DATABASE_URL: 'postgres://u:pw@h/Lead-Flow' }, '/r')).toThrow(
      'DATABASE_URL postgres://u:***@h/Lead-Flow names the database "Lead-Flow"',
    );
  });

  it('uses a NATS_URL that is set as it is', () => {
    expect(readLauncherConfig({ NATS_URL: 'nats://nats.internal:4222' }, '/r').natsUrl).toBe('nats://nats.internal:4222');
  });

  it('refuses a NATS_URL that is not nats://', () => {
    expect(() => readLauncherConfig({ NATS_URL: 'http://127.0.0.1:4222' }, '/r')).toThrow('NATS_URL: expected a nats:// or tls:// URL');
  });
});

describe('readLauncherConfig: a second launcher beside the first', () => {
  it('puts the data and the build where LEADFLOW_DATA_DIR and LEADFLOW_BUILD_DIR say', () => {
    const config = readLauncherConfig({ LEADFLOW_DATA_DIR: '/tmp/lf-1', LEADFLOW_BUILD_DIR: '.data/second/dist' }, '/repo');
    expect(config).toMatchObject({ dataDir: '/tmp/lf-1', buildDir: '/repo/.data/second/dist' });
    expect(readLauncherConfig({}, '/repo').buildDir).toBe('/repo/dist');
  });

  it('refuses a build directory whose emptying could delete sources', () => {
    for (const dir of ['.', 'apps', '.data', '/tmp/dist', '../dist']) {
      expect(() => readLauncherConfig({ LEADFLOW_BUILD_DIR: dir }, '/repo')).toThrow('LEADFLOW_BUILD_DIR: ');
    }
  });

  it('moves the apps to consecutive ports from LEADFLOW_FIRST_HTTP_PORT, each keeping its place', () => {
    expect(readLauncherConfig({ LEADFLOW_FIRST_HTTP_PORT: '23000' }, '/r').apps.map((app) => `${app.name}:${app.port}`)).toEqual([
      'gateway:23000',
      'ingestion:23001',
      'contacts:23002',
      'scoring:23003',
      'metrics:23004',
    ]);
    expect(withHttpPorts(selectApps('metrics'), '23000')).toEqual([{ name: 'metrics', port: 23004 }]);
  });

  it('refuses a first HTTP port that leaves no room for five apps', () => {
    for (const port of ['0', '65532', 'http', '3000.5']) {
      expect(() => withHttpPorts(selectApps(undefined), port)).toThrow('LEADFLOW_FIRST_HTTP_PORT: expected a port from 1 to 65531');
    }
  });
});
