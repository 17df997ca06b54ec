import type { Stage } from '@leadflow/contracts';

/** The dimensions a counter row is kept under (besides its workspace and day), and reports filter on. */
export const DIMENSION_COLUMNS = ['source', 'offer', 'country'] as const;

/** The column counting entries into each stage. */
export const STAGE_ENTRY_COLUMNS = {
  cold: 'entered_cold',
  warm: 'entered_warm',
  hot: 'entered_hot',
  qualified: 'entered_qualified',
} as const satisfies Record<Stage, string>;

export const COUNTER_COLUMNS = ['leads', 'new_contacts', 'returning_contacts', ...Object.values(STAGE_ENTRY_COLUMNS)] as const;
export type CounterColumn = (typeof COUNTER_COLUMNS)[number];

/**
 * Longest source/offer/country kept, in UTF-16 units. Values are part of the primary key, whose
 * btree entries PostgreSQL caps near 2.7 kB; longer values are cut here, and report filters are
 * limited to the same length, so a cut value is still found by its first 128 characters.
 */
export const MAX_DIMENSION_LENGTH = 128;

/** How a source, offer or country is stored: '' for absent, no NUL (PostgreSQL text refuses it), at most 128 units. */
export function dimensionValue(value: string | null | undefined): string {
  if (value === null || value === undefined) return '';
  const clean = value.replaceAll('\u0000', '');
  if (clean.length <= MAX_DIMENSION_LENGTH) return clean;
  let cut = clean.slice(0, MAX_DIMENSION_LENGTH);
  // Never leave half of a surrogate pair at the end.
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return cut;
}
