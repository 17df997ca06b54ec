import { messagingTablesV2 } from '@leadflow/messaging';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Outbox rows are claimed by the relay with a lease. */
export class OutboxClaims1795435200000 implements MigrationInterface {
  name = 'OutboxClaims1795435200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of messagingTablesV2('contacts').up) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const statement of messagingTablesV2('contacts').down) await queryRunner.query(statement);
  }
}
