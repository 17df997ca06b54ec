import { connect } from 'nats';
import { testNatsUrl } from './test-run';

/** Deletes every JetStream stream whose name starts with `prefix`; returns how many. */
export async function deleteStreams(prefix: string, natsUrl = testNatsUrl()): Promise<number> {
  const nc = await connect({ servers: natsUrl.split(','), timeout: 3000 });
  try {
    const manager = await nc.jetstreamManager();
    const names: string[] = [];
    for await (const stream of manager.streams.list()) if (stream.config.name.startsWith(prefix)) names.push(stream.config.name);
    for (const name of names) await manager.streams.delete(name);
    return names.length;
  } finally {
    await nc.close();
  }
}

/** Deletes the streams of one test namespace (`<NAMESPACE>_…`). */
export function deleteNamespaceStreams(namespace: string, natsUrl = testNatsUrl()): Promise<number> {
  return deleteStreams(`${namespace.toUpperCase()}_`, natsUrl);
}
