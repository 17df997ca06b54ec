import {
  AppException,
  type ContactFields,
  ErrorCodes,
  isUuid,
  LIFECYCLES,
  type Lifecycle,
  MAX_CONTACT_PROPERTIES_BYTES,
  MAX_CONTACT_TAG_LENGTH,
  MAX_CONTACT_TAGS,
} from '@leadflow/contracts';
import { MAX_BODY_DEPTH, MAX_LEAD_TEXT_LENGTH, normalizeCountry, normalizeEmail, normalizePhone } from '@leadflow/normalization';
import type { ContactRecordFields, ContactRow } from './contact-row';

/** The fields an admin may set, as ContactFields names them. */
export const EDITABLE_FIELDS = [
  'firstName',
  'lastName',
  'company',
  'title',
  'country',
  'email',
  'phone',
  'ownerId',
  'tags',
  'lifecycle',
  'properties',
] as const satisfies ReadonlyArray<keyof ContactFields>;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * RFC 7396 JSON Merge Patch: a patch that is an object merges key by key into the target (an
 * object, or {} in place of anything else), null removes the key; any other patch replaces.
 */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const result: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

/** A contact's editable fields as the API shows them: the document a merge patch applies to. */
export function editableFieldsOf(row: ContactRow): ContactFields {
  return {
    firstName: row.first_name,
    lastName: row.last_name,
    company: row.company,
    title: row.title,
    country: row.country,
    email: row.email,
    phone: row.phone,
    ownerId: row.owner_id,
    tags: row.tags,
    lifecycle: row.lifecycle,
    properties: row.properties,
  };
}

const invalid = (message: string) => new AppException(ErrorCodes.validationFailed, message);

/** Trimmed text, null when empty; a field of another type, too long or holding NUL is refused. */
function text(fields: ContactFields, name: keyof ContactFields): string | null {
  const value: unknown = fields[name];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw invalid(`${name} must be a string or null`);
  const trimmed = value.trim();
  if (trimmed.includes('\u0000')) throw invalid(`${name} must not contain NUL characters`);
  if (trimmed.length > MAX_LEAD_TEXT_LENGTH) throw invalid(`${name} must be at most ${MAX_LEAD_TEXT_LENGTH} characters`);
  return trimmed === '' ? null : trimmed;
}

function tagsOf(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((tag) => typeof tag !== 'string')) throw invalid('tags must be an array of strings');
  const tags = [...new Set((value as string[]).map((tag) => tag.trim()).filter((tag) => tag !== ''))];
  if (tags.length > MAX_CONTACT_TAGS) throw invalid(`a contact has at most ${MAX_CONTACT_TAGS} tags`);
  const long = tags.find((tag) => tag.length > MAX_CONTACT_TAG_LENGTH || tag.includes('\u0000'));
  if (long !== undefined) throw invalid(`a tag is at most ${MAX_CONTACT_TAG_LENGTH} characters, without NUL: ${long.slice(0, 80)}`);
  return tags;
}

function lifecycleOf(value: unknown): Lifecycle {
  if (value === undefined || value === null) return 'lead';
  if (typeof value !== 'string' || !(LIFECYCLES as readonly string[]).includes(value)) {
    throw invalid(`lifecycle must be one of ${LIFECYCLES.join(', ')}`);
  }
  return value as Lifecycle;
}

/** How deep a JSON value nests (a scalar is 0), walked without recursion. */
function depthOf(value: unknown): number {
  let deepest = 0;
  const pending: Array<[unknown, number]> = [[value, 0]];
  while (pending.length > 0) {
    const [node, depth] = pending.pop() as [unknown, number];
    if (typeof node !== 'object' || node === null) continue;
    deepest = Math.max(deepest, depth + 1);
    for (const child of Object.values(node)) pending.push([child, depth + 1]);
  }
  return deepest;
}

function propertiesOf(value: unknown): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (!isPlainObject(value)) throw invalid('properties must be a JSON object');
  // As deep as a lead body may be: deeper JSON is a hazard to whatever reads it later, never data.
  if (depthOf(value) > MAX_BODY_DEPTH) throw invalid(`properties nest at most ${MAX_BODY_DEPTH} levels deep`);
  const size = Buffer.byteLength(JSON.stringify(value), 'utf8');
  if (size > MAX_CONTACT_PROPERTIES_BYTES) {
    throw new AppException(
      ErrorCodes.propertiesTooLarge,
      `properties take ${size} bytes as JSON; at most ${MAX_CONTACT_PROPERTIES_BYTES} are allowed`,
    );
  }
  if (JSON.stringify(value).includes('\\u0000')) throw invalid('properties must not contain NUL characters');
  return value;
}

/**
 * What an admin gives a contact, normalized as leads are (trimmed text, lower-cased email, E.164
 * phone read with the contact's country, ISO 3166 alpha-2 country). Only a valid email or phone
 * identifies a person (docs/architecture.md), and a contact's email and phone are identities of
 * its own, so an admin's invalid value is refused with a 400 naming it rather than kept.
 */
export function normalizeContactFields(fields: ContactFields): ContactRecordFields {
  for (const key of Object.keys(fields)) {
    if (!(EDITABLE_FIELDS as readonly string[]).includes(key)) throw invalid(`property ${key.slice(0, 64)} should not exist`);
  }
  const countryText = text(fields, 'country');
  const country = countryText === null ? null : normalizeCountry(countryText);
  if (countryText !== null && country === null) {
    throw new AppException(
      ErrorCodes.invalidCountry,
      `country is not an ISO 3166 code or an English country name: ${countryText.slice(0, 64)}`,
    );
  }
  const emailText = text(fields, 'email');
  let email: string | null = null;
  if (emailText !== null) {
    const normalized = normalizeEmail(emailText);
    if (!normalized.valid) throw new AppException(ErrorCodes.invalidEmail, `email is not a valid address: ${emailText.slice(0, 100)}`);
    email = normalized.email;
  }
  const phoneText = text(fields, 'phone');
  let phone: string | null = null;
  if (phoneText !== null) {
    const normalized = normalizePhone(phoneText, country);
    if (!normalized.valid || !normalized.phone) {
      throw new AppException(
        ErrorCodes.invalidPhone,
        `phone is not a valid number${country ? ` for ${country}` : ' (give it in international format, e.g. +4930901820)'}: ${phoneText.slice(0, 64)}`,
      );
    }
    phone = normalized.phone;
  }
  const ownerId = text(fields, 'ownerId');
  if (ownerId !== null && !isUuid(ownerId.toLowerCase()))
    throw new AppException(ErrorCodes.invalidOwner, 'ownerId must be an admin account id');
  return {
    first_name: text(fields, 'firstName'),
    last_name: text(fields, 'lastName'),
    company: text(fields, 'company'),
    title: text(fields, 'title'),
    country,
    email,
    phone,
    owner_id: ownerId?.toLowerCase() ?? null,
    tags: tagsOf(fields.tags),
    lifecycle: lifecycleOf(fields.lifecycle),
    properties: propertiesOf(fields.properties),
    parse_issues: [],
  };
}
