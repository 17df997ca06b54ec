import { EventTypes, type LeadIngestedData, NatsNamespace, Streams } from '@leadflow/contracts';
import { openSchemaDataSource, schemaDataSourceOptions } from '@leadflow/database';
import { createLogger } from '@leadflow/logging';
import {
  ensureStream,
  messagingTablesV1,
  messagingTablesV2,
  messagingTablesV3,
  messagingTablesV4,
  messagingTablesV5,
  NatsConnection,
  Outbox,
  OutboxCommitSubscriber,
  OutboxRelay,
} from '../src';
import {
  createTestDatabase,
  deleteNamespaceStreams,
  leadIngestedData,
  type RunningProcess,
  startProcess,
  type TestDatabase,
  testNatsUrl,
  uniqueNamespace,
} from '@leadflow/testing';
import path from 'node:path';
import type { DataSource, MigrationInterface, QueryRunner } from 'typeorm';

class ProducerTables1795262400000 implements MigrationInterface {
  name = 'ProducerTables1795262400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of [
      ...messagingTablesV1('producer').up,
      ...messagingTablesV2('producer').up,
      ...messagingTablesV3('producer').up,
      ...messagingTablesV4('producer').up,
      ...messagingTablesV5('producer').up,
    ])
      await queryRunner.query(statement);
  }

  async down(): Promise<void> {
    throw new Error('not reversible');
  }
}

/** The producing side of the messaging tests, in-process: a schema with an outbox and its relay. */
export class Producer {
  private constructor(
    readonly dataSource: DataSource,
    readonly nats: NatsConnection,
    readonly outbox: Outbox,
    readonly relay: OutboxRelay,
  ) {}

  static async start(databaseUrl: string, natsUrl: string, namespace: string): Promise<Producer> {
    const dataSource = await openSchemaDataSource(
      schemaDataSourceOptions({
        url: databaseUrl,
        schema: 'producer',
        poolSize: 5,
        applicationName: 'producer-test',
        migrations: [ProducerTables1795262400000],
      }),
    );
    const nats = await NatsConnection.open({ natsUrl, namespace, service: 'ingestion' }, 'producer-test');
    const ns = new NatsNamespace(namespace);
    await ensureStream(nats.manager, ns, Streams.ingestion);
    const relay = new OutboxRelay(dataSource, nats.jetstream, ns, createLogger('producer-test', 'error'), {
      pollIntervalMs: 200,
      publishTimeoutMs: 1000,
    });
    dataSource.subscribers.push(new OutboxCommitSubscriber(() => relay.wake()));
    relay.start();
    return new Producer(dataSource, nats, new Outbox(dataSource, 'ingestion'), relay);
  }

  /**
   * Commits one well-formed `lead.ingested` event through the outbox, carrying `extra` fields besides
   * those of its contract (consumers let unknown fields through); returns its id.
   */
  async commit(extra: Record<string, unknown>): Promise<string> {
    return this.commitData({ ...lead(), ...extra });
  }

  /**
   * Commits a `lead.ingested` event whose data is `data` as it is, whatever its shape: what a
   * producer outside this code base's types (another language, an older release) could send.
   */
  async commitUnchecked(data: Record<string, unknown>): Promise<string> {
    return this.commitData(data as unknown as LeadIngestedData);
  }

  /** Writes an event through the outbox, then rolls the transaction back. */
  async rollBack(extra: Record<string, unknown>): Promise<void> {
    await this.dataSource
      .transaction(async (manager) => {
        await this.outbox.add(manager, { type: EventTypes.leadIngested, workspaceId: 'default', data: { ...lead(), ...extra } });
        throw new Error('roll back');
      })
      .catch(() => undefined);
  }

  private async commitData(data: LeadIngestedData): Promise<string> {
    return this.dataSource.transaction(
      async (manager) => (await this.outbox.add(manager, { type: EventTypes.leadIngested, workspaceId: 'default', data })).id,
    );
  }

  async stop(): Promise<void> {
    await this.relay.stop();
    await this.nats.close();
    await this.dataSource.destroy();
  }
}

/** The data of a lead as ingestion would publish it. */
export function lead(): LeadIngestedData {
  return leadIngestedData({ source: 'landing', email: 'someone@example.com', emailValid: true });
}

const CONSUMER_FIXTURE = path.join(__dirname, 'fixtures', 'consumer-app.ts');

/** Starts the consuming app (`fixtures/consumer-app.ts`) as its own process and waits until it consumes. */
export async function startConsumer(settings: {
  databaseUrl: string;
  natsUrl: string;
  namespace: string;
  env?: Record<string, string>;
}): Promise<RunningProcess> {
  const consumer = startProcess(CONSUMER_FIXTURE, {
    DATABASE_URL: settings.databaseUrl,
    NATS_URL: settings.natsUrl,
    NATS_NAMESPACE: settings.namespace,
    EVENT_ACK_WAIT_SECONDS: '2',
    EVENT_MAX_DELIVER: '2',
    ...settings.env,
  });
  await consumer.waitForOutput('consumer fixture ready');
  return consumer;
}

/**
 * What a test file of the messaging library shares: its own namespace, database and producer, set
 * up before its tests and torn down after them with the consumer it started (if any).
 */
export interface ProducerTestbed {
  namespace: string;
  ns: NatsNamespace;
  db: TestDatabase;
  producer: Producer;
  consumer: RunningProcess | undefined;
}

export function producerTestbed(name: string): ProducerTestbed {
  const namespace = uniqueNamespace();
  const bed = { namespace, ns: new NatsNamespace(namespace), consumer: undefined } as ProducerTestbed;
  beforeAll(async () => {
    bed.db = await createTestDatabase(name);
    bed.producer = await Producer.start(bed.db.url, testNatsUrl(), namespace);
  });
  afterAll(async () => {
    bed.consumer?.kill('SIGKILL');
    await bed.producer?.stop();
    await deleteNamespaceStreams(namespace);
    await bed.db?.drop();
  });
  return bed;
}
