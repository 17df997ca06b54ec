import { connect } from 'nats';
import { testNatsUrl } from './test-run';

/** Deletes every JetStream stream of a test namespace (`<NAMESPACE>_…`); returns how many. */
export async function deleteNamespaceStreams(namespace: string, natsUrl = testNatsUrl()): Promise<number> {
  const nc = await connect({ servers: natsUrl.split(','), timeout: 3000 });
  try {
    const manager = await nc.jetstreamManager();
    const prefix = `${namespace.toUpperCase()}_`;
    const names: string[] = [];
    for await (const stream of manager.streams.list()) if (stream.config.name.startsWith(prefix)) names.push(stream.config.name);
    for (const name of names) await manager.streams.delete(name);
    return names.length;
  } finally {
    await nc.close();
  }
}
