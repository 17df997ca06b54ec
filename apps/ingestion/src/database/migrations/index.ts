import { MessagingTables1795262400000 } from './1795262400000-messaging-tables';
import { IntakeTables1795348800000 } from './1795348800000-intake-tables';
import { OutboxClaims1795435200000 } from './1795435200000-outbox-claims';
import { Privacy1795830000000 } from './1795830000000-privacy';
import { Activities1795850000000 } from './1795850000000-activities';
import { CrmEvents1796100000000 } from './1796100000000-crm-events';
import { ActivityIdHashes1796400000000 } from './1796400000000-activity-id-hashes';
import { OutboxKeyedBySeq1796900000000 } from './1796900000000-outbox-keyed-by-seq';
import { OutboxEnvelopeJson1797000000000 } from './1797000000000-outbox-envelope-json';
import { OutboxPackedEvents1797100000000 } from './1797100000000-outbox-packed-events';

/** Every migration of the ingestion schema, oldest first. */
export const ingestionMigrations = [
  MessagingTables1795262400000,
  IntakeTables1795348800000,
  OutboxClaims1795435200000,
  Privacy1795830000000,
  Activities1795850000000,
  CrmEvents1796100000000,
  ActivityIdHashes1796400000000,
  OutboxKeyedBySeq1796900000000,
  OutboxEnvelopeJson1797000000000,
  OutboxPackedEvents1797100000000,
];
