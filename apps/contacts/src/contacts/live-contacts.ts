import type { EntityManager } from 'typeorm';
import type { ContactRow } from './contact-row';
import type { ContactsRepository } from './contacts.repository';

/**
 * Locks these contacts and, for those merged away, their survivors (a merge that committed while
 * we waited is followed). Returns the live ones and, for every id, the live contact it stands for.
 * Shared by lead and activity resolution, so both lock in the same order.
 */
export async function lockLiveContacts(
  contacts: ContactsRepository,
  manager: EntityManager,
  ids: string[],
): Promise<{ live: Map<string, ContactRow>; survivorOf: Map<string, string> }> {
  const live = new Map<string, ContactRow>();
  const mergedInto = new Map<string, string>();
  let pending = ids;
  while (pending.length > 0) {
    const locked = await contacts.lockContacts(manager, pending);
    pending = [];
    for (const row of locked) {
      if (row.merged_into) {
        mergedInto.set(row.id, row.merged_into);
        if (!live.has(row.merged_into) && !mergedInto.has(row.merged_into)) pending.push(row.merged_into);
      } else live.set(row.id, row);
    }
  }
  const survivorOf = new Map<string, string>();
  for (const id of ids) {
    let at = id;
    for (let hops = 0; mergedInto.has(at) && hops <= mergedInto.size; hops += 1) at = mergedInto.get(at) as string;
    survivorOf.set(id, at);
  }
  return { live, survivorOf };
}
