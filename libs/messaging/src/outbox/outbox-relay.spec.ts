import { eventsIn, messageBody, packMessages } from './outbox-relay';
import type { PendingOutboxRow } from './outbox.repository';

const row = (n: number, type: string, size = 20): PendingOutboxRow => ({
  id: `0190f1a2-7b3c-7def-8123-${String(n).padStart(12, '0')}`,
  seq: String(n),
  type,
  workspaceId: 'default',
  count: 1,
  envelopes: JSON.stringify({ n, pad: 'x'.repeat(Math.max(0, size - 20)) }),
});

/** A row packing `count` events. */
const packedRow = (n: number, type: string, count: number): PendingOutboxRow => ({
  ...row(n, type),
  count,
  envelopes: Array.from({ length: count }, (_, i) => JSON.stringify({ n, i })).join(','),
});

describe('packMessages', () => {
  it('packs the rows of each type into one message, keeping their order within the type', () => {
    const rows = [
      row(1, 'lead.ingested'),
      row(2, 'contact.created'),
      row(3, 'lead.ingested'),
      row(4, 'contact.created'),
      row(5, 'lead.ingested'),
    ];
    const messages = packMessages(rows, 256 * 1024);
    expect(messages.map((m) => [m.type, m.rows.map((r) => r.seq)])).toEqual([
      ['lead.ingested', ['1', '3', '5']],
      ['contact.created', ['2', '4']],
    ]);
  });

  it('starts a new message of a type when the next envelope would pass the size cap, and lets one large envelope travel alone', () => {
    const rows = [row(1, 't.a', 100), row(2, 't.a', 100), row(3, 't.a', 100), row(4, 't.a', 1000), row(5, 't.a', 100)];
    const sizes = packMessages(rows, 250).map((m) => m.rows.map((r) => r.seq));
    expect(sizes).toEqual([['1', '2'], ['3'], ['4'], ['5']]);
    for (const message of packMessages(rows, 250)) {
      if (message.rows.length > 1) expect(Buffer.byteLength(messageBody(message))).toBeLessThanOrEqual(250);
    }
  });

  it('never splits a row of several events, and counts its events', () => {
    const rows = [packedRow(1, 't.a', 3), packedRow(2, 't.a', 40), packedRow(3, 't.b', 2)];
    const messages = packMessages(rows, 64);
    expect(messages.map((m) => [m.type, m.rows.map((r) => r.seq), eventsIn(m)])).toEqual([
      ['t.a', ['1'], 3],
      ['t.a', ['2'], 40],
      ['t.b', ['3'], 2],
    ]);
  });

  it('packs nothing into nothing', () => {
    expect(packMessages([], 1024)).toEqual([]);
  });
});

describe('messageBody', () => {
  it('is a JSON array of the envelopes, as stored', () => {
    const message = { type: 't.a', rows: [row(1, 't.a'), row(2, 't.a')] };
    expect(JSON.parse(messageBody(message))).toEqual([JSON.parse(row(1, 't.a').envelopes), JSON.parse(row(2, 't.a').envelopes)]);
  });

  it('joins rows of several events into one array of all their envelopes, in order', () => {
    const message = { type: 't.a', rows: [packedRow(1, 't.a', 2), row(2, 't.a'), packedRow(3, 't.a', 3)] };
    expect(JSON.parse(messageBody(message))).toEqual([
      { n: 1, i: 0 },
      { n: 1, i: 1 },
      JSON.parse(row(2, 't.a').envelopes),
      { n: 3, i: 0 },
      { n: 3, i: 1 },
      { n: 3, i: 2 },
    ]);
  });
});
