import { type ContactChangedData, EventTypes } from '@leadflow/contracts';
import type { DataSource, EntityManager } from 'typeorm';
import { type NewEvent, Outbox } from './outbox';
import { MAX_MESSAGE_BYTES } from './outbox.repository';

const contactId = '0190a5b2-0000-7000-8000-000000000002';
const merge = { survivorId: contactId, mergedId: '0190a5b2-0000-7000-8000-000000000003' };
const changed: ContactChangedData = { contactId, email: null, phone: null, firstName: 'Anna', lastName: null, country: 'DE' };

/** A transaction's manager that records the statements its connection is given. */
function recordingManager(): { manager: EntityManager; statements: Array<{ sql: string; params: unknown[] }> } {
  const statements: Array<{ sql: string; params: unknown[] }> = [];
  const client = {
    query: async ({ text, values }: { text: string; values: unknown[] }) => {
      statements.push({ sql: text, params: values });
      return { rows: [] };
    },
  };
  const manager = {
    queryRunner: { isTransactionActive: true, isReleased: false, data: {}, connect: async () => client },
  } as unknown as EntityManager;
  return { manager, statements };
}

const dataSource = { options: { schema: 'contacts' } } as unknown as DataSource;

/**
 * The rows an outbox insert wrote, from its parameters: ids, types, workspaces, counts, each row's
 * byte offset and length in the texts, and the texts as one buffer; each row's envelopes parsed.
 */
function writtenRows(params: unknown[] | undefined) {
  const [ids, types, workspaces, counts, starts, lengths, blob] = params as [
    string[],
    string[],
    string[],
    number[],
    number[],
    number[],
    Buffer,
  ];
  const rows = starts.map(
    (start, i) => JSON.parse(`[${blob.subarray(start - 1, start - 1 + (lengths[i] as number)).toString('utf8')}]`) as unknown,
  );
  return { ids, types, workspaces, counts, rows };
}

describe('Outbox', () => {
  it('writes events of several types, each with its own data, in order with one statement', async () => {
    const outbox = new Outbox(dataSource, 'contacts');
    const { manager, statements } = recordingManager();
    const events: NewEvent[] = [
      { type: EventTypes.contactCreated, workspaceId: 'default', data: changed },
      { type: EventTypes.contactMerged, workspaceId: 'default', data: merge, correlationId: 'req-1' },
    ];
    const envelopes = await outbox.addMany(manager, events);

    expect(envelopes.map((e) => [e.type, e.producer, e.version, e.data])).toEqual([
      ['contact.created', 'contacts', 1, changed],
      ['contact.merged', 'contacts', 1, merge],
    ]);
    expect(statements).toHaveLength(1);
    expect(statements[0]?.sql).toContain('INSERT INTO "contacts"."outbox"');
    // One row per type and workspace, here two of one event each.
    const { ids, types, workspaces, counts, rows } = writtenRows(statements[0]?.params);
    expect([ids, types, workspaces, counts]).toEqual([
      envelopes.map((e) => e.id),
      ['contact.created', 'contact.merged'],
      ['default', 'default'],
      [1, 1],
    ]);
    expect(rows).toEqual(envelopes.map((envelope) => [envelope]));
    expect(envelopes.map((e) => e.type)).toEqual(['contact.created', 'contact.merged']);
    expect(envelopes[1]?.correlationId).toBe('req-1');
  });

  it('packs the events of one type and workspace into one row, their texts joined by commas', async () => {
    const outbox = new Outbox(dataSource, 'contacts');
    const { manager, statements } = recordingManager();
    const events: NewEvent[] = [
      { type: EventTypes.contactMerged, workspaceId: 'w1', data: merge },
      { type: EventTypes.contactCreated, workspaceId: 'w1', data: changed },
      { type: EventTypes.contactMerged, workspaceId: 'w2', data: merge },
      { type: EventTypes.contactMerged, workspaceId: 'w1', data: { ...merge, survivorId: merge.mergedId, mergedId: contactId } },
    ];
    const envelopes = await outbox.addMany(manager, events);

    expect(statements).toHaveLength(1);
    const { ids, types, workspaces, counts, rows } = writtenRows(statements[0]?.params);
    const at = (i: number) => envelopes[i] as { id: string };
    expect([ids, types, workspaces, counts]).toEqual([
      [at(0).id, at(1).id, at(2).id],
      ['contact.merged', 'contact.created', 'contact.merged'],
      ['w1', 'w1', 'w2'],
      [2, 1, 1],
    ]);
    expect(rows).toEqual([[envelopes[0], envelopes[3]], [envelopes[1]], [envelopes[2]]]);
  });

  it('writes each text at its byte offset, multi-byte characters included, and starts a row when one would pass the message size', async () => {
    const outbox = new Outbox(dataSource, 'contacts');
    const { manager, statements } = recordingManager();
    // Two-, three- and four-byte characters; about 2 KiB of UTF-8 each, so 48 KiB holds 23 or so.
    const names = ['Zoë', 'Ilkka €', 'Łucja 😀'].map((name) => `${name} ${'ä€😀'.repeat(250)}`);
    const events: NewEvent[] = Array.from({ length: 60 }, (_, i) => ({
      type: EventTypes.contactCreated,
      workspaceId: 'w1',
      data: { ...changed, firstName: names[i % names.length] as string },
    }));
    const envelopes = await outbox.addMany(manager, events);

    const { counts, rows } = writtenRows(statements[0]?.params);
    expect(rows.flat()).toEqual(envelopes);
    expect(counts.length).toBeGreaterThan(1);
    for (const row of rows) expect(Buffer.byteLength(JSON.stringify(row))).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
  });

  it('refuses to write outside a transaction', async () => {
    const outbox = new Outbox(dataSource, 'contacts');
    const manager = { queryRunner: undefined } as unknown as EntityManager;
    await expect(outbox.add(manager, { type: EventTypes.contactMerged, workspaceId: 'default', data: merge })).rejects.toThrow(
      /inside a database transaction/,
    );
  });

  it('types the data of an event by its type, so that a producer cannot publish another shape', () => {
    // Checked by the compiler (tsc type-checks the specs): each line below must fail to compile.
    const wrongShapes = (outbox: Outbox, manager: EntityManager) => [
      // @ts-expect-error the data of contact.merged has no contactId
      outbox.add(manager, { type: EventTypes.contactMerged, workspaceId: 'default', data: { contactId } }),
      // @ts-expect-error the data of contact.merged is missing mergedId
      outbox.addMany(manager, [{ type: EventTypes.contactMerged, workspaceId: 'default', data: { survivorId: contactId } }]),
      // @ts-expect-error a contact.created event cannot carry the data of contact.merged
      outbox.addMany(manager, [{ type: EventTypes.contactCreated, workspaceId: 'default', data: merge }]),
      // @ts-expect-error not an event type
      outbox.add(manager, { type: 'contact.renamed', workspaceId: 'default', data: merge }),
    ];
    expect(typeof wrongShapes).toBe('function');
  });
});
