import { type AcmeFieldMapping, CRM_MAPPING_FIELD, CRM_MAPPING_PATH, CRM_EVENT_TYPES, MAX_CRM_MAPPING_FIELDS } from '@leadflow/contracts';

const KEYS = new Set(['type', 'externalId', 'updatedAt', 'id', 'occurredAt', 'types', 'fields']);

/**
 * The field mapping of an `acme` integration, checked in full: an object naming where the type,
 * the record's id and its updatedAt are (dot paths), optionally the webhook id and the event
 * time, the sender's type names for LeadFlow's, and where each field is. The problem, or null.
 */
export function acmeMappingProblem(value: unknown): string | null {
  if (!isObject(value)) return 'mapping must be a JSON object';
  for (const key of Object.keys(value))
    if (!KEYS.has(key)) return `mapping has an unknown key "${key.slice(0, 40)}" (known: ${[...KEYS].join(', ')})`;
  for (const key of ['type', 'externalId', 'updatedAt'] as const) {
    if (value[key] === undefined) return `mapping.${key} is required: the path of the ${key} in a payload`;
  }
  for (const key of ['type', 'externalId', 'updatedAt', 'id', 'occurredAt'] as const) {
    const path = value[key];
    if (path !== undefined && (typeof path !== 'string' || !CRM_MAPPING_PATH.test(path))) {
      return `mapping.${key} must be a dot path such as "record.updated_at"`;
    }
  }
  if (value.types !== undefined) {
    if (!isObject(value.types)) return 'mapping.types must be an object of sent type → LeadFlow type';
    for (const [sent, ours] of Object.entries(value.types)) {
      if (sent.length === 0 || sent.length > 200) return 'mapping.types names must be 1 to 200 characters';
      if (!(CRM_EVENT_TYPES as readonly unknown[]).includes(ours)) {
        return `mapping.types["${sent.slice(0, 40)}"] must be one of ${CRM_EVENT_TYPES.join(', ')}`;
      }
    }
  }
  if (!isObject(value.fields)) return 'mapping.fields must be an object of field → path';
  const fields = Object.entries(value.fields);
  if (fields.length > MAX_CRM_MAPPING_FIELDS) return `mapping.fields names at most ${MAX_CRM_MAPPING_FIELDS} fields`;
  for (const [field, path] of fields) {
    if (!CRM_MAPPING_FIELD.test(field)) return `mapping.fields has an invalid field name "${field.slice(0, 40)}"`;
    if (typeof path !== 'string' || !CRM_MAPPING_PATH.test(path))
      return `mapping.fields.${field} must be a dot path such as "record.email"`;
  }
  return null;
}

export function isAcmeMapping(value: unknown): value is AcmeFieldMapping {
  return acmeMappingProblem(value) === null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
