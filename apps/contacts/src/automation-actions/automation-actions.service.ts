import { AppException, type AutomationContactChangeRequestedData } from '@leadflow/contracts';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { editableFieldsOf, normalizeContactFields } from '../contacts/contact-record-fields';
import type { ContactRow } from '../contacts/contact-row';
import { ContactRecordsService } from '../contacts/contact-records.service';
import { ContactsRepository } from '../contacts/contacts.repository';

/** What applying an automation's change did. */
export type AutomationChangeOutcome = 'applied' | 'unchanged' | 'contact_gone' | 'refused';

/** The actor an automation's changes are recorded under. */
export function automationActor(automationId: string): string {
  return `automation:${automationId}`;
}

/**
 * Applies an automation's owner, tag and lifecycle actions to a contact, through the same write an
 * admin's edit takes: the version goes up and `contact.updated` is published, with the automation
 * as actor. A change that leaves the contact as it is writes nothing; a contact merged away is
 * changed in its survivor; a deleted or erased contact, or a change contacts refuses (an owner that
 * is no account id), is skipped, so the event never blocks the ones after it.
 */
@Injectable()
export class AutomationActionsService {
  constructor(
    private readonly contacts: ContactsRepository,
    private readonly records: ContactRecordsService,
  ) {}

  async apply(manager: EntityManager, workspaceId: string, change: AutomationContactChangeRequestedData): Promise<AutomationChangeOutcome> {
    const current = await this.lockContact(manager, workspaceId, change.contactId.toLowerCase());
    if (!current || current.deleted_at !== null || current.erased_at !== null) return 'contact_gone';
    const remove = new Set(change.removeTags ?? []);
    const tags = [...current.tags.filter((tag) => !remove.has(tag))];
    for (const tag of change.addTags ?? []) if (!tags.includes(tag)) tags.push(tag);
    const ownerId = change.ownerId ?? current.owner_id;
    const lifecycle = change.lifecycle ?? current.lifecycle;
    if (ownerId === current.owner_id && lifecycle === current.lifecycle && sameTags(tags, current.tags)) return 'unchanged';
    let fields;
    try {
      fields = normalizeContactFields({ ...editableFieldsOf(current), ownerId, tags, lifecycle });
    } catch (error) {
      if (error instanceof AppException) return 'refused';
      throw error;
    }
    const written = await this.records.updateIn(manager, workspaceId, current, fields, automationActor(change.automationId));
    if (!written) throw new Error(`contact ${current.id} changed under its lock`);
    return 'outcome' in written ? 'refused' : 'applied';
  }

  /** A contact by id, locked; a contact merged away stands for its survivor. */
  private async lockContact(manager: EntityManager, workspaceId: string, id: string): Promise<ContactRow | undefined> {
    const [row] = await this.contacts.lockContacts(manager, [id]);
    if (!row || row.workspace_id !== workspaceId) return undefined;
    if (row.merged_into === null) return row;
    const [survivor] = await this.contacts.lockContacts(manager, [row.merged_into]);
    return survivor;
  }
}

function sameTags(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((tag, i) => tag === b[i]);
}
