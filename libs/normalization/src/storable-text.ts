/** Text that PostgreSQL `text` and `jsonb` accept: well-formed UTF-16 and no U+0000. */

// Node 20 has String.prototype.toWellFormed, but the workspace compiles against the ES2022 lib.
type WellFormable = string & { toWellFormed(): string };

/** Lone surrogates become U+FFFD and NUL characters are dropped, since PostgreSQL rejects both. */
export function toStorableText(text: string): string {
  return (text as WellFormable).toWellFormed().replaceAll('\u0000', '');
}

/** At most `maxLength` UTF-16 units, never ending in half of a surrogate pair. */
export function cutText(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  const cut = text.slice(0, maxLength);
  return isHighSurrogate(cut.charCodeAt(cut.length - 1)) ? cut.slice(0, -1) : cut;
}

/** For messages and previews: at most `maxLength` units, ending in an ellipsis when shortened. */
export function shortenText(text: string, maxLength: number): string {
  return text.length <= maxLength ? text : `${cutText(text, maxLength - 1)}…`;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
