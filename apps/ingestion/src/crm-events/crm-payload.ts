import {
  type AcmeFieldMapping,
  type CanonicalCrmEvent,
  CRM_CONTACT_FIELDS,
  CRM_EVENT_TYPES,
  type CrmEventType,
  crmObjectType,
  type IntegrationKind,
  Money,
} from '@leadflow/contracts';
import { shortenText, toStorableText } from '@leadflow/normalization';
import { createHash } from 'node:crypto';

/** How a received webhook body reads: a canonical event, a type LeadFlow does not apply, or an unreadable body. */
export type CrmPayloadReading =
  | { outcome: 'event'; event: CanonicalCrmEvent; eventAt: Date; webhookId: string | null }
  | { outcome: 'unsupported'; type: string; externalId: string | null; eventAt: Date; webhookId: string | null }
  | { outcome: 'unreadable'; error: string; type: string | null; webhookId: string | null };

/** Events dated before this, or more than a day ahead of their arrival, are unreadable rather than given a partition. */
const EARLIEST_EVENT = Date.UTC(2000, 0, 1);
const MAX_FUTURE_MS = 24 * 3600 * 1000;
const MAX_EXTERNAL_ID = 256;

const CONTACT_FIELDS = new Set<string>(CRM_CONTACT_FIELDS);
/** Record times and ids that travel beside the fields rather than in them. */
const ENVELOPE_FIELDS = new Set(['id', 'updatedAt', 'createdAt']);

/**
 * Reads a webhook body into a `CanonicalCrmEvent`: with the integration's field mapping for `acme`
 * when it has one; Stripe's and HubSpot's own event shapes for those kinds; else the wire payload
 * documented with `CanonicalCrmEvent` (`type` or `eventType`, `id`, `timestamp`, `data`), which
 * every kind accepts. Never throws: what cannot be read says why.
 */
export function readCrmPayload(body: Buffer, kind: IntegrationKind, mapping: AcmeFieldMapping | null, receivedAt: Date): CrmPayloadReading {
  let payload: unknown;
  try {
    payload = storable(JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body)));
  } catch (error) {
    const reason = shortenText(toStorableText(String((error as Error).message)), 200);
    return { outcome: 'unreadable', error: `The body is not JSON: ${reason}`, type: null, webhookId: null };
  }
  // A HubSpot request is an array, stored item by item (`jsonArrayItems`); an array of one is its event.
  if (kind === 'hubspot' && Array.isArray(payload)) {
    if (payload.length !== 1) {
      return {
        outcome: 'unreadable',
        error: `A HubSpot request of ${payload.length} events, read as one: each event is read from its own item`,
        type: null,
        webhookId: null,
      };
    }
    payload = payload[0];
  }
  if (!isObject(payload)) return { outcome: 'unreadable', error: 'The body must be a JSON object', type: null, webhookId: null };
  const raw =
    kind === 'acme' && mapping
      ? mapped(payload, mapping)
      : kind === 'stripe' && isObject(payload.data) && isObject(payload.data.object)
        ? stripeEvent(payload)
        : kind === 'hubspot' && typeof payload.subscriptionType === 'string'
          ? hubspotEvent(payload)
          : wire(payload);
  const webhookId = idText(raw.id);
  if (typeof raw.type !== 'string' || raw.type.trim() === '') {
    return { outcome: 'unreadable', error: 'The payload names no event type', type: null, webhookId };
  }
  const type = raw.type.trim().slice(0, 200);
  const externalId = idText(raw.externalId);
  const time = readTime(raw.updatedAt ?? raw.occurredAt, receivedAt);
  if (time.error) return { outcome: 'unreadable', error: time.error, type, webhookId };
  const eventAt = time.at ?? receivedAt;
  if (!(CRM_EVENT_TYPES as readonly string[]).includes(type)) {
    return { outcome: 'unsupported', type, externalId, eventAt, webhookId };
  }
  if (externalId === null) {
    return {
      outcome: 'unreadable',
      error: `The record id (data.id) is missing or longer than ${MAX_EXTERNAL_ID} characters`,
      type,
      webhookId,
    };
  }
  const fields = canonicalFields(type as CrmEventType, raw.fields);
  if ('error' in fields) return { outcome: 'unreadable', error: fields.error, type, webhookId };
  return {
    outcome: 'event',
    event: { type: type as CrmEventType, externalId, sourceUpdatedAt: eventAt.toISOString(), fields: fields.fields },
    eventAt,
    webhookId,
  };
}

/** The most events HubSpot sends in one request; items beyond it are stored as failed. */
export const HUBSPOT_MAX_BATCH = 100;

/**
 * The verbatim bytes of each item of a body that is a JSON array (null for any other body): a
 * batch's events are stored each with its own bytes, so the request is kept once, retry and
 * replay re-read one event, and an erasure redacts only the items that name the person.
 */
export function jsonArrayItems(body: Buffer): Buffer[] | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    return null;
  }
  if (!Array.isArray(parsed)) return null;
  // The body is valid JSON: its structure is ASCII, so the bytes can be scanned as they are.
  let at = body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0;
  while (at < body.length && isJsonSpace(body[at] as number)) at++;
  if (body[at] !== 0x5b) return null;
  const items: Buffer[] = [];
  let depth = 0;
  let inString = false;
  let escaped = false;
  let start = -1;
  let end = -1;
  const close = () => {
    if (start >= 0) items.push(Buffer.from(body.subarray(start, end)));
    start = -1;
  };
  for (at++; at < body.length; at++) {
    const byte = body[at] as number;
    if (inString) {
      if (escaped) escaped = false;
      else if (byte === 0x5c) escaped = true;
      else if (byte === 0x22) inString = false;
      end = at + 1;
      continue;
    }
    if (isJsonSpace(byte)) continue;
    if (depth === 0 && (byte === 0x2c || byte === 0x5d)) {
      close();
      if (byte === 0x5d) break;
      continue;
    }
    if (start < 0) start = at;
    end = at + 1;
    if (byte === 0x22) inString = true;
    else if (byte === 0x5b || byte === 0x7b) depth++;
    else if (byte === 0x5d || byte === 0x7d) depth--;
  }
  return items.length === parsed.length ? items : null;
}

function isJsonSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}

/** The key a webhook is recognized by when it comes again: its id (the scheme's, else the payload's), else its bytes. */
export function webhookDedupKey(schemeWebhookId: string | null, payloadWebhookId: string | null, body: Buffer): string {
  const id = schemeWebhookId ?? payloadWebhookId;
  return id !== null ? `id:${id}` : `sha256:${createHash('sha256').update(body).digest('hex')}`;
}

/** What a payload says before it is checked: its webhook id, type, record id, times and fields. */
interface RawEvent {
  id: unknown;
  type: unknown;
  externalId: unknown;
  updatedAt: unknown;
  occurredAt: unknown;
  fields: Record<string, unknown>;
}

function wire(payload: Record<string, unknown>): RawEvent {
  const data = isObject(payload.data) ? payload.data : {};
  const fields: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(data)) if (!ENVELOPE_FIELDS.has(name)) fields[name] = value;
  return {
    id: payload.id,
    type: payload.type ?? payload.eventType,
    externalId: data.id,
    updatedAt: data.updatedAt,
    occurredAt: payload.timestamp ?? payload.occurredAt,
    fields,
  };
}

/** Stripe's customer events, as LeadFlow's contact events (other Stripe types keep their names). */
const STRIPE_TYPES: Readonly<Record<string, string>> = {
  'customer.created': 'contact.created',
  'customer.updated': 'contact.updated',
  'customer.deleted': 'contact.deleted',
};

/**
 * Stripe's own event shape: `{id, type, created (Unix seconds), data: {object: {id, ...}}}`. A
 * customer's `name` becomes `firstName` (up to its first space) and `lastName` (the rest), unless
 * those are sent themselves.
 */
function stripeEvent(payload: Record<string, unknown>): RawEvent {
  const object = (payload.data as { object: Record<string, unknown> }).object;
  const fields: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(object))
    if (!ENVELOPE_FIELDS.has(name) && name !== 'object' && name !== 'updated') fields[name] = value;
  if (object.object === 'customer' && typeof object.name === 'string' && fields.firstName === undefined && fields.lastName === undefined) {
    const name = object.name.trim();
    const space = name.indexOf(' ');
    fields.firstName = space < 0 ? name || null : name.slice(0, space);
    fields.lastName = space < 0 ? null : name.slice(space + 1).trim();
  }
  const sent = payload.type;
  return {
    id: payload.id,
    type: typeof sent === 'string' ? (STRIPE_TYPES[sent] ?? sent) : sent,
    externalId: object.id,
    updatedAt: object.updatedAt ?? object.updated,
    occurredAt: payload.created,
    fields,
  };
}

/** HubSpot's subscription types, as LeadFlow's event types. */
const HUBSPOT_TYPES: Readonly<Record<string, string>> = {
  'contact.creation': 'contact.created',
  'contact.propertyChange': 'contact.updated',
  'contact.deletion': 'contact.deleted',
  'deal.creation': 'opportunity.created',
  'deal.propertyChange': 'opportunity.updated',
};

/** HubSpot property names, as LeadFlow's field names. */
const HUBSPOT_PROPERTIES: Readonly<Record<string, string>> = {
  firstname: 'firstName',
  lastname: 'lastName',
  jobtitle: 'title',
  dealname: 'name',
  dealstage: 'stage',
  closedate: 'expectedCloseDate',
  deal_currency_code: 'currency',
};

/**
 * One HubSpot webhook event: `{eventId, subscriptionType, objectId, occurredAt (Unix ms),
 * propertyName?, propertyValue?}` (and `properties`, an object, when a sender has them all).
 */
function hubspotEvent(payload: Record<string, unknown>): RawEvent {
  const sent = payload.subscriptionType as string;
  const fields: Record<string, unknown> = {};
  const properties = isObject(payload.properties) ? payload.properties : {};
  for (const [name, value] of Object.entries(properties)) fields[HUBSPOT_PROPERTIES[name] ?? name] = value;
  if (typeof payload.propertyName === 'string')
    fields[HUBSPOT_PROPERTIES[payload.propertyName] ?? payload.propertyName] = payload.propertyValue;
  return {
    id: payload.eventId,
    type: HUBSPOT_TYPES[sent] ?? sent,
    externalId: payload.objectId,
    updatedAt: payload.occurredAt,
    occurredAt: undefined,
    fields,
  };
}

function mapped(payload: Record<string, unknown>, mapping: AcmeFieldMapping): RawEvent {
  const sentType = valueAt(payload, mapping.type);
  const type = typeof sentType === 'string' && mapping.types?.[sentType] !== undefined ? mapping.types[sentType] : sentType;
  const fields: Record<string, unknown> = {};
  for (const [name, path] of Object.entries(mapping.fields)) {
    const value = valueAt(payload, path);
    if (value !== undefined) setAt(fields, name, value);
  }
  return {
    id: mapping.id ? valueAt(payload, mapping.id) : payload.id,
    type,
    externalId: valueAt(payload, mapping.externalId),
    updatedAt: valueAt(payload, mapping.updatedAt),
    occurredAt: mapping.occurredAt ? valueAt(payload, mapping.occurredAt) : undefined,
    fields,
  };
}

/** Fields named as `CrmContactFields`, `CrmOpportunityFields` or a lead body, by the record's kind. */
function canonicalFields(type: CrmEventType, sent: Record<string, unknown>): { fields: Record<string, unknown> } | { error: string } {
  const kind = crmObjectType(type);
  if (kind === 'lead') return { fields: { ...sent } };
  if (kind === 'contact') {
    const fields: Record<string, unknown> = {};
    const properties: Record<string, unknown> = isObject(sent.properties) ? { ...sent.properties } : {};
    for (const [name, value] of Object.entries(sent)) {
      if (name === 'properties') continue;
      if (CONTACT_FIELDS.has(name)) fields[name] = value;
      else properties[name] = value;
    }
    if (Object.keys(properties).length > 0) fields.properties = properties;
    return { fields };
  }
  const { contactId, contactExternalId, amount, currency, ...rest } = sent;
  const fields: Record<string, unknown> = { ...rest };
  const contact = idText(contactExternalId ?? contactId);
  if (contact !== null) fields.contactExternalId = contact;
  if (amount !== undefined && amount !== null) {
    const money = moneyOf(amount, currency);
    if ('error' in money) return money;
    fields.amount = money.amount;
  }
  return { fields };
}

/** An amount as sent: `{amount (minor units), currency}`, or a decimal in major units beside `currency`. */
function moneyOf(amount: unknown, currency: unknown): { amount: { amount: string; currency: string } } | { error: string } {
  try {
    if (isObject(amount)) return { amount: Money.fromJSON(amount).toJSON() };
    if ((typeof amount !== 'string' && typeof amount !== 'number') || typeof currency !== 'string') {
      return { error: 'amount must be a decimal in major units with a currency (ISO 4217)' };
    }
    return { amount: Money.fromMajorUnits(String(amount), currency.toUpperCase()).toJSON() };
  } catch (error) {
    return {
      error: `amount ${JSON.stringify(amount).slice(0, 40)} ${String(currency).slice(0, 8)} is not an amount: ${(error as Error).message}`,
    };
  }
}

function readTime(value: unknown, receivedAt: Date): { at?: Date; error?: string } {
  if (value === undefined || value === null || value === '') return {};
  let at: Date | undefined;
  if (typeof value === 'number' && Number.isFinite(value)) at = new Date(value > 1e12 ? value : value * 1000);
  else if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value)) at = new Date(value);
  if (!at || Number.isNaN(at.getTime())) return { error: `updatedAt ${JSON.stringify(value).slice(0, 60)} is not a timestamp` };
  if (at.getTime() < EARLIEST_EVENT) return { error: `updatedAt ${at.toISOString()} is before 2000` };
  if (at.getTime() > receivedAt.getTime() + MAX_FUTURE_MS) return { error: `updatedAt ${at.toISOString()} is more than a day ahead` };
  return { at };
}

function idText(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return null;
  const text = value.trim();
  return text === '' || text.length > MAX_EXTERNAL_ID ? null : text;
}

/** The payload with every text PostgreSQL can store (no NUL, no lone surrogate), keys included. */
function storable(value: unknown): unknown {
  if (typeof value === 'string') return toStorableText(value);
  if (Array.isArray(value)) return value.map(storable);
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [toStorableText(key), storable(item)]));
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function valueAt(payload: Record<string, unknown>, path: string): unknown {
  let current: unknown = payload;
  for (const name of path.split('.')) {
    if (!isObject(current) || !Object.hasOwn(current, name)) return undefined;
    current = current[name];
  }
  return current;
}

function setAt(target: Record<string, unknown>, path: string, value: unknown): void {
  const names = path.split('.');
  let current = target;
  for (const name of names.slice(0, -1)) {
    if (!isObject(current[name])) current[name] = {};
    current = current[name] as Record<string, unknown>;
  }
  current[names[names.length - 1] as string] = value;
}
