import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Which contacts are soft-deleted, as contacts announces it (`contact.deleted`, `contact.restored`):
 * their scores stay, but they leave the leaderboard. `version` is the contact's version the event
 * carries, so that of a deletion and a restore arriving out of order the later one wins.
 */
export class DeletedContacts1795810000200 implements MigrationInterface {
  name = 'DeletedContacts1795810000200';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "scoring"."contact_deletions" (
        "workspace_id" text NOT NULL,
        "contact_id" uuid NOT NULL,
        "deleted" boolean NOT NULL,
        "version" bigint NOT NULL,
        "changed_at" timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY ("workspace_id", "contact_id")
      )`);
    await queryRunner.query(
      `CREATE INDEX "contact_scores_leaderboard_idx" ON "scoring"."contact_scores" ("workspace_id", "score" DESC, "contact_id") WHERE "state" = 'active'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "scoring"."contact_scores_leaderboard_idx"`);
    await queryRunner.query(`DROP TABLE "scoring"."contact_deletions"`);
  }
}
