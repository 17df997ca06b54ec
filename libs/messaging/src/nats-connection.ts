import { connect, type JetStreamClient, type JetStreamManager, type NatsConnection as Connection } from 'nats';
import { natsClientOptions, type NatsClientSettings } from './messaging-options';

/**
 * The app's own NATS connection, used for JetStream (outbox relay, consumers) and health checks.
 * Reconnects forever; callers see failures as timeouts while it is away.
 */
export class NatsConnection {
  private constructor(
    readonly connection: Connection,
    readonly jetstream: JetStreamClient,
    readonly manager: JetStreamManager,
  ) {}

  static async open(settings: NatsClientSettings, name: string): Promise<NatsConnection> {
    const connection = await connect({ ...natsClientOptions(settings, name), timeout: 5000 });
    const manager = await connection.jetstreamManager({ timeout: 5000 });
    return new NatsConnection(connection, connection.jetstream({ timeout: 5000 }), manager);
  }

  /** Round trip to the server, bounded by `timeoutMs`. */
  async ping(timeoutMs: number): Promise<void> {
    if (this.connection.isClosed()) throw new Error('NATS connection is closed');
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.connection.flush(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`NATS did not answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.connection.isClosed()) return;
    await this.connection.drain().catch(() => this.connection.close());
  }
}
