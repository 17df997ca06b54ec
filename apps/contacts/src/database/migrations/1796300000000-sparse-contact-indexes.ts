import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The tag and owner indexes hold only the contacts that have a tag or an owner. A contact made from
 * a lead has neither, and the list filters (`tag`, `ownerId`) never look for an empty tag array or a
 * missing owner; indexing them cost each new contact and each change of a live one a GIN entry (for
 * the empty array) and a B-tree entry (for the null owner) that no query reads.
 * The tag filter repeats the index's `"tags" <> '{}'`, so that the planner can use it.
 */
export class SparseContactIndexes1796300000000 implements MigrationInterface {
  name = 'SparseContactIndexes1796300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "contacts"."contacts_tags_idx"`);
    await queryRunner.query(
      `CREATE INDEX "contacts_tags_idx" ON "contacts"."contacts" USING gin ("tags") WHERE "merged_into" IS NULL AND "tags" <> '{}'`,
    );
    await queryRunner.query(`DROP INDEX "contacts"."contacts_workspace_owner_idx"`);
    await queryRunner.query(
      `CREATE INDEX "contacts_workspace_owner_idx" ON "contacts"."contacts" ("workspace_id", "owner_id")
         WHERE "merged_into" IS NULL AND "owner_id" IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "contacts"."contacts_workspace_owner_idx"`);
    await queryRunner.query(
      `CREATE INDEX "contacts_workspace_owner_idx" ON "contacts"."contacts" ("workspace_id", "owner_id") WHERE "merged_into" IS NULL`,
    );
    await queryRunner.query(`DROP INDEX "contacts"."contacts_tags_idx"`);
    await queryRunner.query(`CREATE INDEX "contacts_tags_idx" ON "contacts"."contacts" USING gin ("tags") WHERE "merged_into" IS NULL`);
  }
}
