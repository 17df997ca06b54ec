import { appNatsUsers, NatsNamespace, renderNatsAuthorization, SERVICE_NAMES, type ServiceName } from '@leadflow/contracts';
import { type NatsServerProcess, resolveNatsServerBinary, startNatsServer } from '@leadflow/dev-services';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..', '..');

export interface NatsCredentials {
  user: string;
  pass: string;
}

export interface PrivateNats extends NatsServerProcess {
  /** Each app's user and password when the server has users (`secured`), else undefined. */
  credentials(service: ServiceName): NatsCredentials | undefined;
  /** A user allowed every subject, for the test's own inspection; undefined without users. */
  readonly admin: NatsCredentials | undefined;
  /** The NATS_* variables an app needs to connect to this server as itself. */
  envFor(service: ServiceName): Record<string, string>;
  /** Stops the server and removes its JetStream store. */
  dispose(): Promise<void>;
}

export interface PrivateNatsOptions {
  /** Give the server one user per app, with the permissions of `namespace` (see natsPermissions). */
  secured?: { namespace: string };
}

/**
 * A nats-server with JetStream owned by one test, which may stop and restart it (same port and
 * store) to simulate an outage; the shared server other tests use is never touched. Secured, it
 * has the users and permissions of a deployment, with passwords made for this server alone.
 */
export async function startPrivateNats(options: PrivateNatsOptions = {}): Promise<PrivateNats> {
  const binary = await resolveNatsServerBinary(path.join(root, '.data', 'bin'), () => undefined);
  const storeDir = await mkdtemp(path.join(os.tmpdir(), 'leadflow-nats-'));
  const passwords = new Map(SERVICE_NAMES.map((service) => [service, randomBytes(12).toString('hex')]));
  const admin = options.secured ? { user: 'test-admin', pass: randomBytes(12).toString('hex') } : undefined;
  const config =
    options.secured && admin
      ? renderNatsAuthorization([
          ...appNatsUsers(new NatsNamespace(options.secured.namespace), (service) => passwords.get(service) ?? ''),
          { user: admin.user, password: admin.pass },
        ])
      : undefined;
  const server = await startNatsServer({ binary, storeDir, config, log: () => undefined });
  const credentials = (service: ServiceName): NatsCredentials | undefined =>
    options.secured ? { user: service, pass: passwords.get(service) ?? '' } : undefined;
  return Object.assign(server, {
    credentials,
    admin,
    envFor: (service: ServiceName): Record<string, string> => {
      const own = credentials(service);
      return { NATS_URL: server.url, ...(own ? { NATS_USER: own.user, NATS_PASSWORD: own.pass } : {}) };
    },
    dispose: async () => {
      await server.stop();
      await rm(storeDir, { recursive: true, force: true });
    },
  });
}
