import { MessagingTables1795262400000 } from './1795262400000-messaging-tables';
import { ContactTables1795348800000 } from './1795348800000-contact-tables';
import { OutboxClaims1795435200000 } from './1795435200000-outbox-claims';
import { ContactIdentityInvariants1795700000000 } from './1795700000000-contact-identity-invariants';
import { ContactRecords1795800000000 } from './1795800000000-contact-records';
import { ContactStageCopy1795810000000 } from './1795810000000-contact-stage-copy';
import { Opportunities1795820000000 } from './1795820000000-opportunities';
import { Erasures1795830000000 } from './1795830000000-erasures';
import { JobsTables1795840000000 } from './1795840000000-jobs-tables';
import { ContactImports1795840100000 } from './1795840100000-contact-imports';
import { ActivityIdentities1795860000000 } from './1795860000000-activity-identities';
import { CrmLinks1796200000000 } from './1796200000000-crm-links';
import { SparseContactIndexes1796300000000 } from './1796300000000-sparse-contact-indexes';
import { OutboxKeyedBySeq1796900000000 } from './1796900000000-outbox-keyed-by-seq';
import { OutboxEnvelopeJson1797000000000 } from './1797000000000-outbox-envelope-json';
import { OutboxPackedEvents1797100000000 } from './1797100000000-outbox-packed-events';
import { StageCopyHeapOnly1797200000000 } from './1797200000000-stage-copy-heap-only';

/** Every migration of the contacts schema, oldest first. */
export const contactsMigrations = [
  MessagingTables1795262400000,
  ContactTables1795348800000,
  OutboxClaims1795435200000,
  ContactIdentityInvariants1795700000000,
  ContactRecords1795800000000,
  ContactStageCopy1795810000000,
  Opportunities1795820000000,
  Erasures1795830000000,
  JobsTables1795840000000,
  ContactImports1795840100000,
  ActivityIdentities1795860000000,
  CrmLinks1796200000000,
  SparseContactIndexes1796300000000,
  OutboxKeyedBySeq1796900000000,
  OutboxEnvelopeJson1797000000000,
  OutboxPackedEvents1797100000000,
  StageCopyHeapOnly1797200000000,
];
