import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An endpoint's rate limit holds across replicas: `rate_slot_at` is when its next attempt may start,
 * reserved by each attempt in one statement.
 *
 * The leased-deliveries index holds only the rows under a lease. Holding every pending row, it was
 * also a way to walk an endpoint's due deliveries, and a planner with stale statistics (a table that
 * grew from empty in a burst) walked all of them through it and sorted them, 7,000 rows per claim,
 * instead of reading the first few of the due index. Rows without a lease are now outside it, so
 * the due index is the only way to them.
 */
export class WebhookDeliveryPacing1796700000000 implements MigrationInterface {
  name = 'WebhookDeliveryPacing1796700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "gateway"."webhook_endpoints" ADD COLUMN "rate_slot_at" timestamptz`);
    await queryRunner.query(`DROP INDEX "gateway"."webhook_deliveries_leased_idx"`);
    await queryRunner.query(
      `CREATE INDEX "webhook_deliveries_leased_idx" ON "gateway"."webhook_deliveries" ("endpoint_id", "claimed_until")
       WHERE "status" = 'pending' AND "claimed_until" IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "gateway"."webhook_endpoints" DROP COLUMN "rate_slot_at"`);
    await queryRunner.query(`DROP INDEX "gateway"."webhook_deliveries_leased_idx"`);
    await queryRunner.query(
      `CREATE INDEX "webhook_deliveries_leased_idx" ON "gateway"."webhook_deliveries" ("endpoint_id", "claimed_until") WHERE "status" = 'pending'`,
    );
  }
}
