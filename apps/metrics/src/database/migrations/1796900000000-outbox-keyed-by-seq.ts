import { messagingTablesV3 } from '@leadflow/messaging';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The outbox is keyed by `seq`, the order the relay takes rows in: one index instead of two. */
export class OutboxKeyedBySeq1796900000000 implements MigrationInterface {
  name = 'OutboxKeyedBySeq1796900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of messagingTablesV3('metrics').up) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const statement of messagingTablesV3('metrics').down) await queryRunner.query(statement);
  }
}
