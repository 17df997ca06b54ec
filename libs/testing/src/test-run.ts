import { randomBytes } from 'node:crypto';

/**
 * Every test run gets an id (set by the test runner, or made here when Jest is called directly);
 * databases and NATS namespaces are named after it so that two runs never collide.
 */
export function testRunId(): string {
  const fromRunner = process.env.LEADFLOW_TEST_RUN;
  if (fromRunner && /^[a-z0-9]{1,12}$/.test(fromRunner)) return fromRunner;
  process.env.LEADFLOW_TEST_RUN = randomBytes(4).toString('hex');
  return process.env.LEADFLOW_TEST_RUN;
}

let counter = 0;

/** A NATS namespace unique to this run and this call: `t<run><n>`. */
export function uniqueNamespace(): string {
  counter += 1;
  return `t${testRunId()}${process.pid.toString(36)}${counter}`;
}

export function testDatabaseUrl(): string {
  return process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

export function testNatsUrl(): string {
  return process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
}
