import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Contacts keep a copy of the score stage scoring announces (`stage.changed`), so that lists can
 * filter on it without asking scoring; `stage_at` is the time of the change copied, so that an
 * older event arriving late never overwrites a newer stage. Indexes for the list's filters and sorts.
 */
export class ContactStageCopy1795810000000 implements MigrationInterface {
  name = 'ContactStageCopy1795810000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "contacts"."contacts"
        ADD COLUMN "stage" text CHECK ("stage" IN ('cold', 'warm', 'hot', 'qualified')),
        ADD COLUMN "stage_at" timestamptz`);
    await queryRunner.query(
      `CREATE INDEX "contacts_workspace_updated_idx" ON "contacts"."contacts" ("workspace_id", "updated_at" DESC, "id" DESC) WHERE "merged_into" IS NULL`,
    );
    await queryRunner.query(`CREATE INDEX "contacts_tags_idx" ON "contacts"."contacts" USING gin ("tags") WHERE "merged_into" IS NULL`);
    await queryRunner.query(
      `CREATE INDEX "contacts_workspace_owner_idx" ON "contacts"."contacts" ("workspace_id", "owner_id") WHERE "merged_into" IS NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "contacts"."contacts_workspace_owner_idx"`);
    await queryRunner.query(`DROP INDEX "contacts"."contacts_tags_idx"`);
    await queryRunner.query(`DROP INDEX "contacts"."contacts_workspace_updated_idx"`);
    await queryRunner.query(`ALTER TABLE "contacts"."contacts" DROP COLUMN "stage_at", DROP COLUMN "stage"`);
  }
}
