import { eventCountOf, MAX_NAMED_WORKSPACES, namedWorkspaces, workspacesHeader } from './message-headers';

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
