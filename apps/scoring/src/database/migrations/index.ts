import { MessagingTables1795262400000 } from './1795262400000-messaging-tables';
import { ScoringTables1795348800000 } from './1795348800000-scoring-tables';
import { OutboxClaims1795435200000 } from './1795435200000-outbox-claims';
import { DeletedContacts1795810000200 } from './1795810000200-deleted-contacts';
import { ErasureSteps1795830000000 } from './1795830000000-erasure-steps';
import { ScoringEngine1795870000000 } from './1795870000000-scoring-engine';
import { Automations1796600000000 } from './1796600000000-automations';
import { AutomationContactOpportunities1796700000000 } from './1796700000000-automation-contact-opportunities';
import { DropRedundantHistoryIndex1796800000000 } from './1796800000000-drop-redundant-history-index';
import { OutboxKeyedBySeq1796900000000 } from './1796900000000-outbox-keyed-by-seq';
import { OutboxEnvelopeJson1797000000000 } from './1797000000000-outbox-envelope-json';
import { OutboxPackedEvents1797100000000 } from './1797100000000-outbox-packed-events';

/** Every migration of the scoring schema, oldest first. */
export const scoringMigrations = [
  MessagingTables1795262400000,
  ScoringTables1795348800000,
  OutboxClaims1795435200000,
  DeletedContacts1795810000200,
  ErasureSteps1795830000000,
  ScoringEngine1795870000000,
  Automations1796600000000,
  AutomationContactOpportunities1796700000000,
  DropRedundantHistoryIndex1796800000000,
  OutboxKeyedBySeq1796900000000,
  OutboxEnvelopeJson1797000000000,
  OutboxPackedEvents1797100000000,
];
