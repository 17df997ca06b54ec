/** Derives the platform's view of a lead from whatever payload a sender posted. */
import type { NormalizedLead } from '@leadflow/contracts';
import { normalizeCountry } from './country';
import { normalizeEmail } from './email';
import { normalizeIp } from './ip';
import { normalizeLanguage } from './language';
import { LeadFieldReader } from './lead-field-reader';
import { normalizePhone } from './phone';
import { shortenText, toStorableText } from './storable-text';

/** The spellings each field is read from, case-sensitive; when several carry a value, the first listed wins. */
export const LEAD_FIELD_SPELLINGS = {
  firstName: ['firstName', 'first_name', 'firstname'],
  lastName: ['lastName', 'last_name', 'lastname'],
  email: ['email'],
  phone: ['phone'],
  country: ['country'],
  language: ['lang', 'language'],
  ip: ['ip'],
  offer: ['offer'],
  clickId: ['click_id', 'clickId'],
  creo: ['creo'],
  description: ['description'],
  domain: ['domain'],
  marker: ['marker'],
  sourcetype: ['sourcetype'],
} as const satisfies Record<string, readonly string[]>;

const MAX_REASON_LENGTH = 200;
const KNOWN_KEYS: ReadonlySet<string> = new Set(Object.values(LEAD_FIELD_SPELLINGS).flat());

/**
 * Never throws: what cannot be read becomes null and an entry in `issues`, and keys the platform
 * does not know are kept as sent in `extra`.
 */
export function normalizeLead(payload: Record<string, unknown>): NormalizedLead {
  try {
    return normalizeEntries(Object.entries(payload));
  } catch (error) {
    // Only a payload that did not come from parseLeadBody (a getter that throws, a Proxy, null) gets here.
    const cause = error instanceof Error && typeof error.message === 'string' ? error.message : 'unexpected value thrown';
    const reason = shortenText(toStorableText(`payload could not be read: ${cause}`), MAX_REASON_LENGTH);
    return { ...emptyLead(), issues: [{ field: '*', reason }] };
  }
}

function normalizeEntries(entries: Array<[string, unknown]>): NormalizedLead {
  const reader = new LeadFieldReader(entries);
  const country = reader.parsed(LEAD_FIELD_SPELLINGS.country, normalizeCountry, 'unknown country');
  const plain = (spellings: readonly string[]): string | null => reader.text(spellings)?.text ?? null;
  return {
    firstName: reader.text(LEAD_FIELD_SPELLINGS.firstName, collapseWhitespace)?.text ?? null,
    lastName: reader.text(LEAD_FIELD_SPELLINGS.lastName, collapseWhitespace)?.text ?? null,
    ...readEmail(reader),
    ...readPhone(reader, country),
    country,
    language: reader.parsed(LEAD_FIELD_SPELLINGS.language, normalizeLanguage, 'unknown language'),
    ip: reader.parsed(LEAD_FIELD_SPELLINGS.ip, normalizeIp, 'not an IP address'),
    offer: plain(LEAD_FIELD_SPELLINGS.offer),
    clickId: plain(LEAD_FIELD_SPELLINGS.clickId),
    creo: plain(LEAD_FIELD_SPELLINGS.creo),
    description: plain(LEAD_FIELD_SPELLINGS.description),
    domain: plain(LEAD_FIELD_SPELLINGS.domain),
    marker: plain(LEAD_FIELD_SPELLINGS.marker),
    sourcetype: plain(LEAD_FIELD_SPELLINGS.sourcetype),
    extra: Object.fromEntries(entries.filter(([key]) => !KNOWN_KEYS.has(key))),
    issues: reader.issues,
  };
}

function readEmail(reader: LeadFieldReader): Pick<NormalizedLead, 'email' | 'emailValid'> {
  const field = reader.text(LEAD_FIELD_SPELLINGS.email, (text) => text.toLowerCase());
  if (field === null) return { email: null, emailValid: false };
  const { email, valid } = normalizeEmail(field.text);
  if (!valid) reader.note(field.key, 'not a valid email address', email);
  return { email, emailValid: valid };
}

/** The lead's own country reads national numbers. */
function readPhone(reader: LeadFieldReader, country: string | null): Pick<NormalizedLead, 'phone' | 'phoneValid'> {
  const field = reader.text(LEAD_FIELD_SPELLINGS.phone);
  if (field === null) return { phone: null, phoneValid: false };
  const { phone, valid } = normalizePhone(field.text, country);
  if (phone === null) reader.note(field.key, 'not a phone number', field.text);
  else if (!valid) reader.note(field.key, 'not a valid phone number', field.text);
  return { phone, phoneValid: valid };
}

function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ');
}

function emptyLead(): NormalizedLead {
  return {
    firstName: null,
    lastName: null,
    email: null,
    emailValid: false,
    phone: null,
    phoneValid: false,
    country: null,
    language: null,
    ip: null,
    offer: null,
    clickId: null,
    creo: null,
    description: null,
    domain: null,
    marker: null,
    sourcetype: null,
    extra: {},
    issues: [],
  };
}
