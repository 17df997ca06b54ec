import type { AcmeFieldMapping } from '@leadflow/contracts';

/**
 * The body a CRM would send for `eventType` about the record `data`: the wire payload of
 * `libs/contracts/src/crm.ts`, or for an `acme` integration with a field mapping, the same values
 * placed where the mapping reads them (its sent type name when it renames one).
 */
export function simulatedPayload(
  eventType: string,
  data: Record<string, unknown>,
  webhookId: string,
  now: Date,
  mapping: AcmeFieldMapping | null,
): Record<string, unknown> {
  const record = { ...data, id: data.id ?? `sim-${webhookId}`, updatedAt: data.updatedAt ?? now.toISOString() };
  if (!mapping) return { type: eventType, id: webhookId, timestamp: now.toISOString(), data: record };
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
