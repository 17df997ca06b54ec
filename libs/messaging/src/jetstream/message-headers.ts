/**
 * What the outbox relay says of a message in its headers, for consumers to read before its body:
 * how many events it carries (its Nats-Msg-Id) and whose they are (`Lf-Workspaces`).
 */
import { createHash } from 'node:crypto';

/** The header JetStream deduplicates on; the relay's value says how many events a message carries (see `messageId`). */
export const MSG_ID_HEADER = 'Nats-Msg-Id';

/** The workspaces whose events a message carries, each URI-encoded, separated by commas. */
export const WORKSPACES_HEADER = 'Lf-Workspaces';

/** Most workspaces one header names: a message with events of more names none, and every consumer reads it. */
export const MAX_NAMED_WORKSPACES = 16;

/**
 * The Nats-Msg-Id of a message of these outbox rows (each holding `count` events, one when not
 * said): the id of its one row of one event, or `<events>-<digest of the rows' ids>`, so that the
 * same rows published again as the same message are recognised as a duplicate, and a consumer can
 * tell how many events it carries before reading it (`eventCountOf`). A row's id is its first
 * event's: a message of rows of one event each has the id it had before rows held several.
 */
export function messageId(message: { rows: ReadonlyArray<{ id: string; count?: number }> }): string {
  const [first] = message.rows;
  const events = message.rows.reduce((sum, row) => sum + (row.count ?? 1), 0);
  if (message.rows.length === 1 && events === 1 && first) return first.id;
  const digest = createHash('sha256');
  for (const row of message.rows) digest.update(row.id);
  return `${events}-${digest.digest('base64url')}`;
}

/**
 * How many events a message says it carries: `n` for a Nats-Msg-Id `n-<digest>`, otherwise one (an
 * event's own id, or a message another publisher sent). Only batches are sized by it; the body
 * decides what is applied.
 */
export function eventCountOf(msgId: string | undefined): number {
  const count = msgId === undefined ? undefined : /^([1-9][0-9]{0,5})-/.exec(msgId)?.[1];
  return count === undefined ? 1 : Number(count);
}

/**
 * The `Lf-Workspaces` value naming these events' workspaces, or undefined when it cannot name them
 * all: an event without a workspace, or more than MAX_NAMED_WORKSPACES of them.
 */
export function workspacesHeader(workspaceIds: Iterable<string | null>): string | undefined {
  const named = new Set<string>();
  for (const id of workspaceIds) {
    if (id === null) return undefined;
    named.add(id);
    if (named.size > MAX_NAMED_WORKSPACES) return undefined;
  }
  return named.size === 0 ? undefined : [...named].map(encodeURIComponent).join(',');
}

/** The workspaces a `Lf-Workspaces` value names; undefined when it names none or cannot be read. */
export function namedWorkspaces(header: string | undefined): string[] | undefined {
  if (header === undefined || header === '') return undefined;
  try {
    const ids = header.split(',').map(decodeURIComponent);
    return ids.includes('') ? undefined : ids;
  } catch {
    return undefined;
  }
}
