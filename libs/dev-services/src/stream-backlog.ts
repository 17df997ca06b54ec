import { connect } from 'nats';
import { natsServers } from './urls';

/** What the durable consumers of a namespace's streams still have to apply. */
export interface StreamBacklog {
  /** Messages not yet delivered plus messages delivered and not yet acknowledged, over every consumer. */
  pending: number;
  /** Per consumer (`<stream>/<consumer>`), the ones with something left. */
  consumers: Record<string, number>;
}

/**
 * Reads every durable consumer (the apps') of the streams of `namespace` (`<NAMESPACE>_…`): a consumer
 * acknowledges a message once its events are committed, so a backlog of 0 everywhere, with every
 * outbox empty, means the pipeline applied all it was given.
 */
export async function streamBacklog(
  natsUrl: string,
  namespace: string,
  credentials?: { user: string; pass: string },
): Promise<StreamBacklog> {
  const prefix = `${namespace.toUpperCase()}_`;
  const connection = await connect({ servers: natsServers(natsUrl), timeout: 3000, name: 'leadflow-backlog', ...(credentials ?? {}) });
  try {
    const manager = await connection.jetstreamManager();
    const backlog: StreamBacklog = { pending: 0, consumers: {} };
    for await (const stream of manager.streams.list()) {
      if (!stream.config.name.startsWith(prefix)) continue;
      for await (const consumer of manager.consumers.list(stream.config.name)) {
        // The apps' consumers are durable; ordered readers (a test reading a stream) are not theirs.
        if (!consumer.config.durable_name) continue;
        const left = consumer.num_pending + consumer.num_ack_pending;
        if (left === 0) continue;
        backlog.pending += left;
        backlog.consumers[`${stream.config.name}/${consumer.name}`] = left;
      }
    }
    return backlog;
  } finally {
    await connection.close();
  }
}
