import { jobsTablesV1 } from '@leadflow/jobs';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The contacts schema's jobs and schedules (libs/jobs), first used by contact imports. */
export class JobsTables1795840000000 implements MigrationInterface {
  name = 'JobsTables1795840000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of jobsTablesV1('contacts').up) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const statement of jobsTablesV1('contacts').down) await queryRunner.query(statement);
  }
}
