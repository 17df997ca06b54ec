/** Reads a lead's fields as text, noting in `issues` every value it had to drop or change. */
import type { ParseIssue } from '@leadflow/contracts';
import { cutText, shortenText, toStorableText } from './storable-text';

export const MAX_LEAD_TEXT_LENGTH = 500;
export const MAX_ISSUE_VALUE_LENGTH = 100;

export interface FieldText {
  /** The spelling the lead used, which is what issues name. */
  key: string;
  text: string;
}

export class LeadFieldReader {
  readonly issues: ParseIssue[] = [];
  private readonly values: ReadonlyMap<string, unknown>;

  constructor(entries: ReadonlyArray<[string, unknown]>) {
    this.values = new Map(entries);
  }

  /**
   * The first of `spellings` that carries a value, as sanitized, trimmed text after `transform`,
   * cut to MAX_LEAD_TEXT_LENGTH; null when absent, blank or not text. Numbers count as text,
   * because feeds send phone numbers and offer ids as JSON numbers.
   */
  text(spellings: readonly string[], transform: (text: string) => string = (text) => text): FieldText | null {
    const key = spellings.find((spelling) => carriesValue(this.values.get(spelling)));
    if (key === undefined) return null;
    const raw = this.values.get(key);
    const given = asText(raw);
    if (given === null) {
      this.note(key, 'expected a string', raw);
      return null;
    }
    const text = transform(toStorableText(given).trim());
    if (text === '') return null;
    if (text.length <= MAX_LEAD_TEXT_LENGTH) return { key, text };
    this.note(key, `longer than ${MAX_LEAD_TEXT_LENGTH} characters, cut`, text);
    return { key, text: cutText(text, MAX_LEAD_TEXT_LENGTH) };
  }

  /** The field read by `normalize`, or null with an issue saying `reason` when it yields nothing. */
  parsed<T>(spellings: readonly string[], normalize: (text: string) => T | null, reason: string): T | null {
    const field = this.text(spellings);
    if (field === null) return null;
    const value = normalize(field.text);
    if (value === null) this.note(field.key, reason, field.text);
    return value;
  }

  note(field: string, reason: string, value: unknown): void {
    this.issues.push({ field, reason, value: issueValue(value) });
  }
}

function carriesValue(value: unknown): boolean {
  return value !== undefined && value !== null && !(typeof value === 'string' && value.trim() === '');
}

function asText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'bigint') return String(value);
  return null;
}

/** A short, storable rendering of any value; never throws, whatever the value holds. */
export function issueValue(value: unknown): string {
  let rendered: string;
  try {
    rendered = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    // Circular, BigInt-holding or too deeply nested for JSON.stringify's recursion.
    rendered = Object.prototype.toString.call(value);
  }
  return shortenText(toStorableText(rendered), MAX_ISSUE_VALUE_LENGTH);
}
