import type { AcmeFieldMapping, IntegrationKind } from '@leadflow/contracts';

/** HubSpot's subscription types for LeadFlow's event types (others are sent by LeadFlow's name). */
const HUBSPOT_SUBSCRIPTIONS: Readonly<Record<string, string>> = {
  'contact.created': 'contact.creation',
  'contact.updated': 'contact.propertyChange',
  'contact.deleted': 'contact.deletion',
  'opportunity.created': 'deal.creation',
  'opportunity.updated': 'deal.propertyChange',
};

/**
 * The body a CRM would send for `eventType` about the record `data`: the wire payload of
 * `libs/contracts/src/crm.ts`; Stripe's and HubSpot's own event shapes for those kinds; for an
 * `acme` integration with a field mapping, the values placed where the mapping reads them (its
 * sent type name when it renames one).
 */
export function simulatedPayload(
  kind: IntegrationKind,
  eventType: string,
  data: Record<string, unknown>,
  webhookId: string,
  now: Date,
  mapping: AcmeFieldMapping | null,
): unknown {
  const record = { ...data, id: data.id ?? `sim-${webhookId}`, updatedAt: data.updatedAt ?? now.toISOString() };
  if (kind === 'stripe') {
    return { id: webhookId, object: 'event', type: eventType, created: Math.floor(now.getTime() / 1000), data: { object: record } };
  }
  if (kind === 'hubspot') {
    const { id, updatedAt, ...properties } = record;
    const occurredAt = new Date(String(updatedAt)).getTime();
    return [
      {
        eventId: webhookId,
        subscriptionType: HUBSPOT_SUBSCRIPTIONS[eventType] ?? eventType,
        objectId: id,
        occurredAt: Number.isNaN(occurredAt) ? now.getTime() : occurredAt,
        properties,
      },
    ];
  }
  if (kind !== 'acme' || !mapping) return { type: eventType, id: webhookId, timestamp: now.toISOString(), data: record };
  const payload: Record<string, unknown> = {};
  const sentType = Object.entries(mapping.types ?? {}).find(([, ours]) => ours === eventType)?.[0] ?? eventType;
  setAt(payload, mapping.type, sentType);
  setAt(payload, mapping.externalId, record.id);
  setAt(payload, mapping.updatedAt, record.updatedAt);
  setAt(payload, mapping.id ?? 'id', webhookId);
  if (mapping.occurredAt) setAt(payload, mapping.occurredAt, now.toISOString());
  for (const [field, path] of Object.entries(mapping.fields)) {
    const value = valueAt(record, field);
    if (value !== undefined) setAt(payload, path, value);
  }
  return payload;
}

function valueAt(source: Record<string, unknown>, path: string): unknown {
  let current: unknown = source;
  for (const name of path.split('.')) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, name)) return undefined;
    current = (current as Record<string, unknown>)[name];
  }
  return current;
}

function setAt(target: Record<string, unknown>, path: string, value: unknown): void {
  const names = path.split('.');
  let current = target;
  for (const name of names.slice(0, -1)) {
    const next = current[name];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) current[name] = {};
    current = current[name] as Record<string, unknown>;
  }
  current[names[names.length - 1] as string] = value;
}
