import { type ImportField, IMPORT_FIELDS, type ImportMapping, importTargetOf } from '@leadflow/contracts';
import { normalizeCountry, normalizeEmail, normalizePhone, toStorableText } from '@leadflow/normalization';
import type { Identity, PersonalIdentityKind } from '../contacts/identity';

/** Which column (by index) feeds which field and property, resolved against the file's header. */
export interface ColumnPlan {
  columnCount: number;
  fields: Partial<Record<ImportField, { index: number; column: string }>>;
  properties: Array<{ key: string; index: number; column: string }>;
}

export const MAX_TEXT_LENGTH = 500;
export const MAX_TAGS = 50;
export const MAX_TAG_LENGTH = 100;

/**
 * The plan for a header: the mapping's columns, or without a mapping every column whose name is a
 * field (case-insensitive; other columns are ignored). A mapped column missing from the header
 * is a problem of the whole file.
 */
export function planColumns(header: readonly string[], mapping: ImportMapping | null): { plan: ColumnPlan } | { missing: string[] } {
  const names = header.map((name) => name.trim());
  const plan: ColumnPlan = { columnCount: header.length, fields: {}, properties: [] };
  if (mapping === null) {
    names.forEach((name, index) => {
      const field = IMPORT_FIELDS.find((candidate) => candidate.toLowerCase() === name.toLowerCase());
      if (field && plan.fields[field] === undefined) plan.fields[field] = { index, column: header[index] ?? name };
    });
    return { plan };
  }
  const missing: string[] = [];
  for (const [column, targetName] of Object.entries(mapping)) {
    let index = names.indexOf(column.trim());
    if (index < 0) index = names.findIndex((name) => name.toLowerCase() === column.trim().toLowerCase());
    const target = importTargetOf(targetName);
    if (index < 0) {
      missing.push(column);
      continue;
    }
    // Targets were checked when the import was opened.
    if (!target) continue;
    if ('field' in target) plan.fields[target.field] = { index, column: header[index] ?? column };
    else plan.properties.push({ key: target.property, index, column: header[index] ?? column });
  }
  return missing.length > 0 ? { missing } : { plan };
}

/** A contact as one CSV row describes it, normalized. */
export interface ImportedContact {
  email: string | null;
  phone: string | null;
  firstName: string | null;
  lastName: string | null;
  company: string | null;
  title: string | null;
  country: string | null;
  tags: string[];
  properties: Record<string, string>;
  identities: Array<Identity<PersonalIdentityKind>>;
}

export interface RowProblem {
  column: string | null;
  code: string;
  message: string;
}

/**
 * One data row: the contact it describes, or why it cannot be imported. Strict on purpose: a value
 * in the email, phone or country column that cannot be read rejects the row (it is listed in the
 * error report to be fixed and imported again) instead of importing a contact without it. A row
 * needs a valid email or E.164 phone, as only those identify a person.
 */
export function readImportRow(fields: readonly string[], plan: ColumnPlan): { contact: ImportedContact } | { problems: RowProblem[] } {
  if (fields.length !== plan.columnCount) {
    return {
      problems: [
        { column: null, code: 'column_count', message: `expected ${plan.columnCount} fields as in the header, found ${fields.length}` },
      ],
    };
  }
  const problems: RowProblem[] = [];
  const text = (field: ImportField): string | null => {
    const source = plan.fields[field];
    if (!source) return null;
    const value = toStorableText(fields[source.index] ?? '').trim();
    if (value.length === 0) return null;
    if (value.length > MAX_TEXT_LENGTH) {
      problems.push({ column: source.column, code: 'too_long', message: `${field} is longer than ${MAX_TEXT_LENGTH} characters` });
      return null;
    }
    return value;
  };
  const column = (field: ImportField): string | null => plan.fields[field]?.column ?? null;

  const countryText = text('country');
  const country = countryText === null ? null : normalizeCountry(countryText);
  if (countryText !== null && country === null) {
    problems.push({ column: column('country'), code: 'invalid_country', message: `"${countryText}" is not a country` });
  }

  const identities: Array<Identity<PersonalIdentityKind>> = [];
  const emailText = text('email');
  let email: string | null = null;
  if (emailText !== null) {
    const normalized = normalizeEmail(emailText);
    if (normalized.valid) {
      email = normalized.email;
      identities.push({ kind: 'email', value: email });
    } else problems.push({ column: column('email'), code: 'invalid_email', message: `"${emailText}" is not a valid email address` });
  }
  const phoneText = text('phone');
  let phone: string | null = null;
  if (phoneText !== null) {
    const normalized = normalizePhone(phoneText, country);
    if (normalized.valid && normalized.phone) {
      phone = normalized.phone;
      identities.push({ kind: 'phone', value: phone });
    } else problems.push({ column: column('phone'), code: 'invalid_phone', message: `"${phoneText}" is not a valid phone number` });
  }
  if (emailText === null && phoneText === null) {
    problems.push({ column: null, code: 'missing_identity', message: 'a row needs an email or a phone number' });
  }

  const tags = tagsOf(text('tags'));
  if (tags.length > MAX_TAGS) problems.push({ column: column('tags'), code: 'too_many_tags', message: `more than ${MAX_TAGS} tags` });
  if (tags.some((tag) => tag.length > MAX_TAG_LENGTH)) {
    problems.push({ column: column('tags'), code: 'too_long', message: `a tag is longer than ${MAX_TAG_LENGTH} characters` });
  }

  const properties: Record<string, string> = {};
  for (const property of plan.properties) {
    const value = toStorableText(fields[property.index] ?? '').trim();
    if (value.length === 0) continue;
    if (value.length > MAX_TEXT_LENGTH * 8) {
      problems.push({
        column: property.column,
        code: 'too_long',
        message: `${property.key} is longer than ${MAX_TEXT_LENGTH * 8} characters`,
      });
    } else properties[property.key] = value;
  }

  const contact = {
    email,
    phone,
    firstName: text('firstName'),
    lastName: text('lastName'),
    company: text('company'),
    title: text('title'),
    country,
    tags,
    properties,
    identities,
  };
  return problems.length > 0 ? { problems } : { contact };
}

/** Tags separated by `;`, `,` or `|`, trimmed, each once. */
function tagsOf(value: string | null): string[] {
  if (value === null) return [];
  return [...new Set(value.split(/[;,|]/).map((tag) => tag.trim()))].filter((tag) => tag.length > 0);
}
