import { messagingTablesV5 } from '@leadflow/messaging';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The outbox packs the events of one statement, type and workspace into one row (see `messagingTablesV5`). */
export class OutboxPackedEvents1797100000000 implements MigrationInterface {
  name = 'OutboxPackedEvents1797100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of messagingTablesV5('contacts').up) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const statement of messagingTablesV5('contacts').down) await queryRunner.query(statement);
  }
}
