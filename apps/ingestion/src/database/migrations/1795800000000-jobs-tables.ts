import { jobsTablesV1 } from '@leadflow/jobs';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Background jobs and schedules shared by the replicas (libs/jobs). */
export class JobsTables1795800000000 implements MigrationInterface {
  name = 'JobsTables1795800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of jobsTablesV1('ingestion').up) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const statement of jobsTablesV1('ingestion').down) await queryRunner.query(statement);
  }
}
