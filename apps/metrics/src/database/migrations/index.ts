import { MessagingTables1795262400000 } from './1795262400000-messaging-tables';
import { LeadDailyCounters1795348800000 } from './1795348800000-lead-daily-counters';
import { OutboxClaims1795435200000 } from './1795435200000-outbox-claims';
import { ContactDailyCounters1795810000100 } from './1795810000100-contact-daily-counters';
import { DealMetrics1795820000000 } from './1795820000000-deal-metrics';
import { ErasureSteps1795830000000 } from './1795830000000-erasure-steps';
import { ActivityMetrics1795880000000 } from './1795880000000-activity-metrics';
import { OutboxKeyedBySeq1796900000000 } from './1796900000000-outbox-keyed-by-seq';
import { OutboxEnvelopeJson1797000000000 } from './1797000000000-outbox-envelope-json';
import { OutboxPackedEvents1797100000000 } from './1797100000000-outbox-packed-events';

/** Every migration of the metrics schema, oldest first. */
export const metricsMigrations = [
  MessagingTables1795262400000,
  LeadDailyCounters1795348800000,
  OutboxClaims1795435200000,
  ContactDailyCounters1795810000100,
  DealMetrics1795820000000,
  ErasureSteps1795830000000,
  ActivityMetrics1795880000000,
  OutboxKeyedBySeq1796900000000,
  OutboxEnvelopeJson1797000000000,
  OutboxPackedEvents1797100000000,
];
