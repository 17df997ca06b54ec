import { type EventType, EventTypes } from './subjects';

/**
 * The domain events a workspace may receive on its webhook endpoints. Internal plumbing (CRM event
 * bookkeeping, activity attribution, erasures) stays inside; an automation's webhook action goes to
 * the one endpoint it names, as `automation.webhook`.
 */
export const WEBHOOK_EVENT_TYPES = [
  EventTypes.leadIngested,
  EventTypes.contactCreated,
  EventTypes.contactUpdated,
  EventTypes.contactMerged,
  EventTypes.contactDeleted,
  EventTypes.contactRestored,
  EventTypes.scoreChanged,
  EventTypes.stageChanged,
  EventTypes.opportunityCreated,
  EventTypes.opportunityUpdated,
  EventTypes.opportunityWon,
  EventTypes.opportunityLost,
  EventTypes.automationRunCompleted,
  EventTypes.endpointDisabled,
] as const satisfies readonly EventType[];
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** The type of an automation's webhook delivery, and of the test event `POST …/:id/test` sends. */
export const AUTOMATION_WEBHOOK_TYPE = 'automation.webhook';
export const WEBHOOK_TEST_TYPE = 'webhook.test';

/** The families an endpoint may subscribe to as `<family>.*`. */
export const WEBHOOK_EVENT_FAMILIES = ['lead', 'contact', 'score', 'stage', 'opportunity', 'automation', 'endpoint'] as const;

/** Types an endpoint may name one by one, besides the public events. */
const EXTRA_TYPES: readonly string[] = [AUTOMATION_WEBHOOK_TYPE];

/** Whether `pattern` (a type, or `<family>.*`) is something an endpoint may subscribe to. */
export function isWebhookEventPattern(pattern: string): boolean {
  if (pattern.endsWith('.*')) return (WEBHOOK_EVENT_FAMILIES as readonly string[]).includes(pattern.slice(0, -2));
  return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(pattern) || EXTRA_TYPES.includes(pattern);
}

/** Whether an endpoint subscribed to `patterns` receives events of `type`. */
export function webhookPatternsMatch(patterns: readonly string[], type: string): boolean {
  return patterns.some((pattern) => (pattern.endsWith('.*') ? type.startsWith(pattern.slice(0, -1)) : pattern === type));
}
