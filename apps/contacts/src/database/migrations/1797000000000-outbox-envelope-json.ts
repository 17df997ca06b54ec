import { messagingTablesV4 } from '@leadflow/messaging';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The outbox keeps envelopes as their JSON text, with the workspace in a column (see `messagingTablesV4`). */
export class OutboxEnvelopeJson1797000000000 implements MigrationInterface {
  name = 'OutboxEnvelopeJson1797000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of messagingTablesV4('contacts').up) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const statement of messagingTablesV4('contacts').down) await queryRunner.query(statement);
  }
}
