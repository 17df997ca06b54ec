import { AppException, currencyExponent, ErrorCodes, isUuid, Money, MoneyException, type OpportunityFields } from '@leadflow/contracts';

/** An opportunity's fields as read from a command: checked, amounts as Money; absent means unchanged. */
export interface OpportunityChange {
  name?: string;
  contactId?: string;
  leadId?: string | null;
  amount?: Money;
  pipelineId?: string;
  stage?: string;
  probability?: number | null;
  expectedCloseDate?: string | null;
  ownerId?: string | null;
  lostReason?: string | null;
}

export const MAX_NAME_LENGTH = 200;
export const MAX_LOST_REASON_LENGTH = 1000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

const invalid = (message: string) => new AppException(ErrorCodes.validationFailed, message);

function text(name: string, value: unknown, max: number): string {
  if (typeof value !== 'string' || value.trim().length === 0 || value.length > max || value.includes('\u0000')) {
    throw invalid(`${name} must be a non-empty string of at most ${max} characters`);
  }
  return value;
}

function uuid(name: string, value: unknown): string {
  if (typeof value !== 'string' || !isUuid(value.toLowerCase())) throw invalid(`${name} must be a UUID`);
  return value.toLowerCase();
}

function nullable<T>(value: unknown, read: (value: unknown) => T): T | null {
  return value === null ? null : read(value);
}

/** A real calendar date `YYYY-MM-DD` (2026-02-30 is not one). */
export function isCalendarDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = DATE.exec(value);
  if (!match) return false;
  const [year, month, day] = match.slice(1).map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/**
 * Money from `{"amount": "<minor units>", "currency": "<ISO 4217>"}`: never a float, never rounded,
 * never negative. Each fault has its own code (`invalid_amount`, `invalid_currency`, `amount_out_of_range`).
 */
export function readAmount(value: unknown): Money {
  let money: Money;
  try {
    money = Money.fromJSON(value);
  } catch (error) {
    if (error instanceof MoneyException) {
      throw new AppException(error.code, `amount: ${error.message}${amountHint(value)}`);
    }
    throw error;
  }
  if (money.isNegative()) throw new AppException(ErrorCodes.invalidAmount, 'amount must not be negative');
  return money;
}

/** What the sender probably meant: minor units are a string of digits, with no decimal point. */
function amountHint(value: unknown): string {
  const { amount, currency } = (typeof value === 'object' && value !== null ? value : {}) as { amount?: unknown; currency?: unknown };
  if (typeof amount === 'number') return ' (minor units as a string, never a JSON number)';
  if (typeof amount === 'string' && amount.includes('.') && typeof currency === 'string') {
    try {
      const exponent = currencyExponent(currency);
      return ` (minor units have no decimals: ${currency} has ${exponent}, so ${Money.fromMajorUnits('1', currency).amount} is one ${currency})`;
    } catch {
      return '';
    }
  }
  return '';
}

/** Checks the fields a command sets; on creation, name, contactId and amount are required. */
export function readOpportunityFields(fields: OpportunityFields, creating: boolean): OpportunityChange {
  if (typeof fields !== 'object' || fields === null) throw invalid('fields must be an object');
  const change: OpportunityChange = {};
  if (creating) {
    for (const required of ['name', 'contactId', 'amount'] as const) {
      if (fields[required] === undefined || fields[required] === null) throw invalid(`${required} is required`);
    }
  }
  if (fields.name !== undefined) change.name = text('name', fields.name, MAX_NAME_LENGTH);
  if (fields.contactId !== undefined) change.contactId = uuid('contactId', fields.contactId);
  if (fields.leadId !== undefined) change.leadId = nullable(fields.leadId, (v) => uuid('leadId', v));
  if (fields.amount !== undefined) change.amount = readAmount(fields.amount);
  if (fields.pipelineId !== undefined) change.pipelineId = uuid('pipelineId', fields.pipelineId);
  if (fields.stage !== undefined) change.stage = text('stage', fields.stage, 64);
  if (fields.probability !== undefined) {
    change.probability = nullable(fields.probability, (v) => {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 100) throw invalid('probability must be an integer from 0 to 100');
      return v;
    });
  }
  if (fields.expectedCloseDate !== undefined) {
    change.expectedCloseDate = nullable(fields.expectedCloseDate, (v) => {
      if (!isCalendarDate(v)) throw invalid('expectedCloseDate must be a date YYYY-MM-DD');
      return v;
    });
  }
  if (fields.ownerId !== undefined) change.ownerId = nullable(fields.ownerId, (v) => uuid('ownerId', v));
  if (fields.lostReason !== undefined)
    change.lostReason = nullable(fields.lostReason, (v) => text('lostReason', v, MAX_LOST_REASON_LENGTH));
  return change;
}
