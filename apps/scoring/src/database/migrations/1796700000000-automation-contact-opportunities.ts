import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When a contact last won and last lost an opportunity, as `opportunity.won|lost` announce it: what
 * a backfill of an `opportunity_won|lost` automation asks of the contacts that already match.
 */
export class AutomationContactOpportunities1796700000000 implements MigrationInterface {
  name = 'AutomationContactOpportunities1796700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "scoring"."automation_contact_opportunities" (
        "workspace_id" text NOT NULL,
        "contact_id" uuid NOT NULL,
        "won_at" timestamptz,
        "lost_at" timestamptz,
        PRIMARY KEY ("workspace_id", "contact_id")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "scoring"."automation_contact_opportunities"`);
  }
}
