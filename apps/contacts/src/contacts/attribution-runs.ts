import type { EventEnvelope } from '@leadflow/contracts';
import { runWithRequestId } from '@leadflow/logging';

/**
 * How leads and activities are attributed: the events of a batch are resolved together (`together`
 * returns how many it wrote, stopping at the first event that ties contacts it must merge first);
 * that event's contacts are merged, and resolution goes on from it. An event that still asks for a
 * merge right after its own is a bug, not a state to loop on.
 */
export async function attributeInRuns<E extends Pick<EventEnvelope<object>, 'correlationId'>>(
  pending: E[],
  together: (run: E[]) => Promise<number>,
  merge: (event: E) => Promise<void>,
  describe: (event: E) => string,
): Promise<void> {
  let merged: E | undefined;
  while (pending.length > 0) {
    pending = pending.slice(await together(pending));
    const merging = pending[0];
    if (!merging) break;
    if (merging === merged) throw new Error(`${describe(merging)} still asks for a merge after it`);
    await runWithRequestId(merging.correlationId, () => merge(merging));
    merged = merging;
  }
}

/** The events not attributed yet (`attributed` holds lower-cased ids); one delivered twice in a batch counts once. */
export function notYetAttributed<E>(events: readonly E[], attributed: Set<string>, idOf: (event: E) => string): E[] {
  return events.filter((event) => {
    const id = idOf(event).toLowerCase();
    if (attributed.has(id)) return false;
    attributed.add(id);
    return true;
  });
}
