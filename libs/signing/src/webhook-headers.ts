/** Reading request headers the way Node and Fastify hand them over: any case, maybe repeated. */

/** Request headers as Node's `IncomingHttpHeaders` or a plain record give them. */
export type WebhookHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

export type HeaderRead = { kind: 'absent' } | { kind: 'repeated' } | { kind: 'value'; value: string };

/** One header by name, case-insensitively. Empty counts as absent; a header sent twice is reported, not guessed at. */
export function readHeader(headers: WebhookHeaders, name: string): HeaderRead {
  const wanted = name.toLowerCase();
  const values: string[] = [];
  for (const [key, raw] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || raw === undefined) continue;
    if (typeof raw === 'string') values.push(raw);
    else values.push(...raw);
  }
  const present = values.map((value) => value.trim()).filter((value) => value !== '');
  if (present.length === 0) return { kind: 'absent' };
  if (present.length > 1) return { kind: 'repeated' };
  return { kind: 'value', value: present[0] };
}

export type RequiredHeader = { ok: true; value: string } | { ok: false; code: 'missing_signature' | 'malformed_header'; reason: string };

/** A header the scheme cannot do without: absent is `missing_signature`, repeated is `malformed_header`. */
export function requiredHeader(headers: WebhookHeaders, name: string): RequiredHeader {
  const read = readHeader(headers, name);
  if (read.kind === 'absent') return { ok: false, code: 'missing_signature', reason: `the ${name} header is missing` };
  if (read.kind === 'repeated') return { ok: false, code: 'malformed_header', reason: `the ${name} header is sent more than once` };
  return { ok: true, value: read.value };
}
