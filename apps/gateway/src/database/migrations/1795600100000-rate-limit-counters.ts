import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Counters of the shared rate limits, in the layout rate-limiter-flexible's PostgreSQL store reads.
 * UNLOGGED: a counter is worth no WAL flush per request, and losing counters in a crash only
 * resets the current second.
 */
export class RateLimitCounters1795600100000 implements MigrationInterface {
  name = 'RateLimitCounters1795600100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE UNLOGGED TABLE "gateway"."rate_limits" (
        "key" varchar(255) PRIMARY KEY,
        "points" integer NOT NULL DEFAULT 0,
        "expire" bigint
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "gateway"."rate_limits"`);
  }
}
