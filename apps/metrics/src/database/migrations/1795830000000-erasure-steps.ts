import { erasureStepsTableV1 } from '@leadflow/database';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** What metrics did for each GDPR erasure (`contact.erased`), recorded in the transaction that did it. */
export class ErasureSteps1795830000000 implements MigrationInterface {
  name = 'ErasureSteps1795830000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of erasureStepsTableV1('metrics').up) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const statement of erasureStepsTableV1('metrics').down) await queryRunner.query(statement);
  }
}
