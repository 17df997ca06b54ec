import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An erasure now finds activities by the hashes of their tracker ids and contact id too
 * (`hashOfActivityId`: sha256 hex of `<kind>:<value>`), as intake stores them from now on: the
 * activities stored before get theirs (redacted rows hold no ids any more and are left as they
 * are). An erased person's tracker ids join the suppression list beside their email and phone.
 */
export class ActivityIdHashes1796400000000 implements MigrationInterface {
  name = 'ActivityIdHashes1796400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      UPDATE "ingestion"."activities" a SET "identity_hashes" = ARRAY(
        SELECT DISTINCT h FROM unnest(a."identity_hashes" || ARRAY(
          SELECT encode(sha256(convert_to(v."id", 'UTF8')), 'hex') FROM (VALUES
            ('anonymous_id:' || a."anonymous_id"), ('user_id:' || a."user_id"),
            ('anonymous_id:' || a."previous_id"), ('user_id:' || a."previous_id"),
            ('contact_id:' || a."contact_id"::text)) AS v("id")
          WHERE v."id" IS NOT NULL)) AS h)
      WHERE a."redacted_at" IS NULL
        AND (a."anonymous_id" IS NOT NULL OR a."user_id" IS NOT NULL OR a."previous_id" IS NOT NULL OR a."contact_id" IS NOT NULL)`);
    await queryRunner.query(`
      ALTER TABLE "ingestion"."suppressions" DROP CONSTRAINT "suppressions_kind_check",
        ADD CONSTRAINT "suppressions_kind_check" CHECK ("kind" IN ('email', 'phone', 'anonymous_id', 'user_id'))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // The extra activity hashes are harmless to the code before this one, which looks for email and phone hashes only.
    await queryRunner.query(`DELETE FROM "ingestion"."suppressions" WHERE "kind" IN ('anonymous_id', 'user_id')`);
    await queryRunner.query(`
      ALTER TABLE "ingestion"."suppressions" DROP CONSTRAINT "suppressions_kind_check",
        ADD CONSTRAINT "suppressions_kind_check" CHECK ("kind" IN ('email', 'phone'))`);
  }
}
