import { type NatsServerProcess, resolveNatsServerBinary, startNatsServer } from '@leadflow/dev-services';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..', '..');

export interface PrivateNats extends NatsServerProcess {
  /** Stops the server and removes its JetStream store. */
  dispose(): Promise<void>;
}

/**
 * A nats-server with JetStream owned by one test, which may stop and restart it (same port and
 * store) to simulate an outage; the shared server other tests use is never touched.
 */
export async function startPrivateNats(): Promise<PrivateNats> {
  const binary = await resolveNatsServerBinary(path.join(root, '.data', 'bin'), () => undefined);
  const storeDir = await mkdtemp(path.join(os.tmpdir(), 'leadflow-nats-'));
  const server = await startNatsServer({ binary, storeDir, log: () => undefined });
  return Object.assign(server, {
    dispose: async () => {
      await server.stop();
      await rm(storeDir, { recursive: true, force: true });
    },
  });
}
