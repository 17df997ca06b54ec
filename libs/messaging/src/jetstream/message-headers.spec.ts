import { createHash } from 'node:crypto';
import { eventCountOf, MAX_NAMED_WORKSPACES, messageId, namedWorkspaces, workspacesHeader } from './message-headers';

const row = (n: number) => ({ id: `0190f1a2-7b3c-7def-8123-${String(n).padStart(12, '0')}` });

describe('messageId', () => {
  it('is the event id of a message of one event', () => {
    expect(messageId({ rows: [row(7)] })).toBe(row(7).id);
  });

  it('is the same for the same events and differs when the events differ', () => {
    const a = { rows: [row(1), row(2)] };
    const more = { rows: [row(1), row(2), row(3)] };
    const other = { rows: [row(1), row(3)] };
    expect(messageId(a)).toBe(messageId({ rows: [row(1), row(2)] }));
    expect(new Set([messageId(a), messageId(more), messageId(other)]).size).toBe(3);
    const digest = createHash('sha256').update(row(1).id).update(row(2).id).digest('base64url');
    expect(messageId(a)).toBe(`2-${digest}`);
  });

  it('counts the events of rows that hold several, and digests the rows’ ids', () => {
    const packed = {
      rows: [
        { ...row(1), count: 40 },
        { ...row(2), count: 2 },
      ],
    };
    const digest = createHash('sha256').update(row(1).id).update(row(2).id).digest('base64url');
    expect(messageId(packed)).toBe(`42-${digest}`);
    expect(eventCountOf(messageId(packed))).toBe(42);
    // One row of several events is not mistaken for one event.
    expect(messageId({ rows: [{ ...row(7), count: 3 }] })).toMatch(/^3-/);
  });

  it('tells eventCountOf how many events the message carries', () => {
    for (const count of [1, 2, 37, 1000]) {
      expect(eventCountOf(messageId({ rows: Array.from({ length: count }, (_, i) => row(i)) }))).toBe(count);
    }
  });
});

describe('eventCountOf', () => {
  it('reads the count of a packed message’s Nats-Msg-Id', () => {
    expect(eventCountOf('37-h3CDmHLi0Zq1WqXkz3lmtw5xS2xNdOMTfPHZAb3rfdQ')).toBe(37);
  });

  it('counts one for an event’s own id, an id of another publisher, or none', () => {
    expect(eventCountOf('0190f1a2-7b3c-7def-8123-000000000007')).toBe(1);
    expect(eventCountOf('order-5')).toBe(1);
    expect(eventCountOf('')).toBe(1);
    expect(eventCountOf(undefined)).toBe(1);
  });
});

describe('workspacesHeader and namedWorkspaces', () => {
  it('name each workspace once, in first-seen order, and read back what they named', () => {
    const header = workspacesHeader(['default', 'acme', 'default']);
    expect(header).toBe('default,acme');
    expect(namedWorkspaces(header)).toEqual(['default', 'acme']);
  });

  it('carry ids with commas, spaces and other characters unchanged', () => {
    const ids = ['a,b', 'zürich office', '%41'];
    expect(namedWorkspaces(workspacesHeader(ids))).toEqual(ids);
  });

  it('name none when an event has no workspace or there are too many', () => {
    expect(workspacesHeader(['default', null])).toBeUndefined();
    expect(workspacesHeader([])).toBeUndefined();
    const many = Array.from({ length: MAX_NAMED_WORKSPACES + 1 }, (_, i) => `w${i}`);
    expect(workspacesHeader(many)).toBeUndefined();
    expect(namedWorkspaces(workspacesHeader(many.slice(1)))).toHaveLength(MAX_NAMED_WORKSPACES);
  });

  it('read nothing from an absent, empty or broken header', () => {
    expect(namedWorkspaces(undefined)).toBeUndefined();
    expect(namedWorkspaces('')).toBeUndefined();
    expect(namedWorkspaces('a,,b')).toBeUndefined();
    expect(namedWorkspaces('%E0%A4%A')).toBeUndefined();
  });
});
