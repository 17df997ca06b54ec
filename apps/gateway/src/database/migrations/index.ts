import { MessagingTables1795262400000 } from './1795262400000-messaging-tables';
import { OutboxClaims1795435200000 } from './1795435200000-outbox-claims';
import { WorkspacesAndKeys1795600000000 } from './1795600000000-workspaces-and-keys';
import { RateLimitCounters1795600100000 } from './1795600100000-rate-limit-counters';
import { AdminAccountsAndAudit1795600200000 } from './1795600200000-admin-accounts-and-audit';
import { ErasureSteps1795830000000 } from './1795830000000-erasure-steps';
import { BrowserKeyOrigins1795850100000 } from './1795850100000-browser-key-origins';
import { Integrations1796100000000 } from './1796100000000-integrations';
import { SimulatedWebhooks1796100100000 } from './1796100100000-simulated-webhooks';
import { WebhookEndpoints1796500000000 } from './1796500000000-webhook-endpoints';
import { WebhookDeliveryPacing1796700000000 } from './1796700000000-webhook-delivery-pacing';
import { PostbackClicks1796700100000 } from './1796700100000-postback-clicks';
import { OutboxKeyedBySeq1796900000000 } from './1796900000000-outbox-keyed-by-seq';
import { OutboxEnvelopeJson1797000000000 } from './1797000000000-outbox-envelope-json';
import { OutboxPackedEvents1797100000000 } from './1797100000000-outbox-packed-events';

/** Every migration of the gateway schema, oldest first. */
export const gatewayMigrations = [
  MessagingTables1795262400000,
  OutboxClaims1795435200000,
  WorkspacesAndKeys1795600000000,
  RateLimitCounters1795600100000,
  AdminAccountsAndAudit1795600200000,
  ErasureSteps1795830000000,
  BrowserKeyOrigins1795850100000,
  Integrations1796100000000,
  SimulatedWebhooks1796100100000,
  WebhookEndpoints1796500000000,
  WebhookDeliveryPacing1796700000000,
  PostbackClicks1796700100000,
  OutboxKeyedBySeq1796900000000,
  OutboxEnvelopeJson1797000000000,
  OutboxPackedEvents1797100000000,
];
