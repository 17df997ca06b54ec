import { type OutboxRow, packEvents } from './outbox.repository';

const event = (type: string, workspaceId: string): OutboxRow => ({ envelope: { id: `${type}-${workspaceId}`, type, workspaceId } });

describe('packEvents', () => {
  it('packs the events of one type and workspace together, numbering rows in order of their first event', () => {
    const rows = [event('a', 'w1'), event('b', 'w1'), event('a', 'w2'), event('a', 'w1'), event('b', 'w1'), event('a', 'w2')];
    expect(
      packEvents(
        rows,
        rows.map(() => 10),
        1024,
      ),
    ).toEqual([0, 1, 2, 0, 1, 2]);
  });

  it('starts a new row when the next event would not fit, and lets a larger event have a row alone', () => {
    const rows = Array.from({ length: 5 }, () => event('a', 'w1'));
    // Within a JSON array: 2 brackets, then each text and its comma.
    expect(packEvents(rows, [10, 10, 10, 100, 10], 24)).toEqual([0, 0, 1, 2, 3]);
    expect(packEvents(rows, [100, 10, 10, 10, 10], 24)).toEqual([0, 1, 1, 2, 2]);
  });

  it('packs nothing into nothing', () => {
    expect(packEvents([], [], 1024)).toEqual([]);
  });
});
