import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Browser keys for activity trackers: the origins a key may be used from (null for other keys). */
export class BrowserKeyOrigins1795850100000 implements MigrationInterface {
  name = 'BrowserKeyOrigins1795850100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "gateway"."api_keys" ADD COLUMN "allowed_origins" text[]`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "gateway"."api_keys" DROP COLUMN "allowed_origins"`);
  }
}
