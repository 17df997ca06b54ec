import { messagingTablesV1 } from '@leadflow/messaging';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The scoring schema's outbox, inbox and dead letters. */
export class MessagingTables1795262400000 implements MigrationInterface {
  name = 'MessagingTables1795262400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of messagingTablesV1('scoring').up) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const statement of messagingTablesV1('scoring').down) await queryRunner.query(statement);
  }
}
