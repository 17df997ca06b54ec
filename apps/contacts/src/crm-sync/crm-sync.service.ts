import {
  AppException,
  type CrmEventProcessedData,
  type CrmEventReceivedData,
  crmObjectType,
  ErrorCodes,
  type EventEnvelope,
  EventTypes,
} from '@leadflow/contracts';
import { type NewEvent, Outbox } from '@leadflow/messaging';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { applyMergePatch, editableFieldsOf, normalizeContactFields } from '../contacts/contact-record-fields';
import type { ContactRow } from '../contacts/contact-row';
import { ContactRecordsService, type IdentityConflictReply } from '../contacts/contact-records.service';
import { ContactsRepository } from '../contacts/contacts.repository';
import { identityLockKey } from '../contacts/identity';
import { LeadConversionService } from '../lead-conversion/lead-conversion.service';
import { OpportunitiesService } from '../opportunities/opportunities.service';
import { applyOrder, contactPatchOf, crmActor, failureOf, opportunityChangeOf, recordKeyOf } from './crm-fields';
import { type CrmLinkState, CrmLinksRepository, type CrmRecordRef } from './crm-links.repository';

type CrmEvent = EventEnvelope<CrmEventReceivedData>;

/** What applying one event came to: the answer's status and reason, and the record it touched. */
type Outcome = Pick<CrmEventProcessedData, 'status' | 'reason' | 'error' | 'retryable' | 'recordId'>;

const processed = (recordId: string | null): Outcome => ({ status: 'processed', reason: null, error: null, retryable: false, recordId });
const skipped = (reason: 'stale' | 'duplicate' | 'unsupported_type', recordId: string | null): Outcome => ({
  status: 'skipped',
  reason,
  error: null,
  retryable: false,
  recordId,
});
const failed = (error: string, retryable: boolean, recordId: string | null = null): Outcome => ({
  status: 'failed',
  reason: null,
  error: error.slice(0, 1000),
  retryable,
  recordId,
});

/** Thrown inside an event's savepoint to undo what it wrote and answer `failed`. */
class CrmEventRefused extends Error {
  constructor(readonly outcome: Outcome) {
    super(outcome.error ?? 'refused');
  }
}

function identityConflictMessage(conflict: IdentityConflictReply): string {
  return `identity_conflict: the ${conflict.kind} ${conflict.value} belongs to another contact (${conflict.contactId}); merge them in LeadFlow first`;
}

/**
 * Applies CRM events (`crm_event.received`) to contacts and opportunities, through the services
 * admins' writes go through (versions, events, identity rules and erased identities all hold), and
 * answers each with `crm_event.processed` through the outbox, in the same transaction.
 *
 * Each CRM record (integration, kind, CRM id) has a link to its LeadFlow record with the newest
 * source time applied (`sourceUpdatedAt`): an event at or before that time is skipped as `stale`
 * (as `duplicate` when it is the very event applied last), so the newest state wins whatever the
 * arrival order, a deletion included. A batch locks its records first (advisory locks in one
 * order), then applies contacts before opportunities, each record's events by source time. Each
 * event runs under a savepoint: one refused for its data (`failed`, with `retryable` when what it
 * needs may still arrive, such as an opportunity's contact) leaves the others applied.
 */
@Injectable()
export class CrmSyncService {
  constructor(
    private readonly links: CrmLinksRepository,
    private readonly contacts: ContactsRepository,
    private readonly records: ContactRecordsService,
    private readonly opportunities: OpportunitiesService,
    private readonly conversions: LeadConversionService,
    private readonly outbox: Outbox,
  ) {}

  async apply(events: readonly CrmEvent[], manager: EntityManager): Promise<void> {
    const linked = events.filter((event) => crmObjectType(event.data.type) !== 'lead');
    await this.links.lockRecords(manager, linked.map(recordKeyOf));
    const answers: NewEvent[] = [];
    for (const event of applyOrder(events)) {
      const outcome = await this.applyOne(event, manager);
      const { crmEventId, integrationId, attempt } = event.data;
      answers.push({
        type: EventTypes.crmEventProcessed,
        workspaceId: event.workspaceId,
        correlationId: event.correlationId,
        data: { crmEventId, integrationId, attempt, ...outcome },
      });
    }
    await this.outbox.addMany(manager, answers);
  }

  private async applyOne(event: CrmEvent, manager: EntityManager): Promise<Outcome> {
    await this.links.savepoint(manager);
    try {
      const outcome = await this.route(event, manager);
      await this.links.releaseSavepoint(manager);
      return outcome;
    } catch (error) {
      const outcome = error instanceof CrmEventRefused ? error.outcome : failureOutcome(error);
      // Anything else (the database, a bug) fails the batch: the inbox retries it, event by event.
      if (!outcome) throw error;
      await this.links.rollbackToSavepoint(manager);
      await this.links.releaseSavepoint(manager);
      return outcome;
    }
  }

  private route(event: CrmEvent, manager: EntityManager): Promise<Outcome> {
    switch (event.data.type) {
      case 'contact.created':
      case 'contact.updated':
      case 'contact.deleted':
        return this.applyContact(event, manager);
      case 'opportunity.created':
      case 'opportunity.updated':
      case 'opportunity.won':
      case 'opportunity.lost':
        return this.applyOpportunity(event, manager);
      case 'lead.converted':
        return this.convertLead(event, manager);
      // Ingestion applies lead.created|updated itself, through the raw-first lead path.
      default:
        return Promise.resolve(skipped('unsupported_type', null));
    }
  }

  /** The link's verdict on an event: stale or duplicate (skip), or to apply. */
  private verdict(event: CrmEvent, link: CrmLinkState | undefined): Outcome | undefined {
    if (!link || link.newer) return undefined;
    return skipped(link.lastCrmEventId === event.data.crmEventId.toLowerCase() ? 'duplicate' : 'stale', link.recordId);
  }

  private async applyContact(event: CrmEvent, manager: EntityManager): Promise<Outcome> {
    const ref = refOf(event, 'contact');
    const { data, workspaceId } = event;
    const link = await this.links.find(manager, ref, data.sourceUpdatedAt);
    const verdict = this.verdict(event, link);
    if (verdict) return verdict;
    const actor = crmActor(ref.integrationId);
    const deleting = data.type === 'contact.deleted';
    let current = link?.recordId ? await this.lockContact(manager, workspaceId, link.recordId) : undefined;
    if (current?.erased_at) {
      // An erased person takes no more writes; a deletion of them has nothing left to delete.
      if (deleting) return this.saveLink(manager, event, ref, current.id, true);
      throw refused(`contact_erased: contact ${current.id} was erased; the CRM record ${data.externalId} is not applied`);
    }
    if (deleting) {
      if (current && current.deleted_at === null) await this.records.setDeletedIn(manager, workspaceId, current, true, actor);
      return this.saveLink(manager, event, ref, current?.id ?? null, true);
    }
    const patch = contactPatchOf(data.fields);
    if (!current) {
      // A CRM record new to LeadFlow: the contact that already holds its email or phone is that person.
      const fields = normalizeContactFields(applyMergePatch({}, patch) as Record<string, unknown>);
      current = await this.adoptable(manager, ref, fields);
      if (!current) {
        const created = await this.records.createIn(manager, workspaceId, fields, actor);
        if ('outcome' in created) throw refused(identityConflictMessage(created));
        return this.saveLink(manager, event, ref, created.id, false);
      }
    }
    const fields = normalizeContactFields(applyMergePatch(editableFieldsOf(current), patch) as Record<string, unknown>);
    const written = await this.records.updateIn(manager, workspaceId, current, fields, actor);
    if (!written) throw new Error(`contact ${current.id} changed under its lock`);
    if ('outcome' in written) throw refused(identityConflictMessage(written));
    // A record deleted in the CRM and changed after it is back; a contact deleted in LeadFlow stays deleted.
    if (link?.deleted && written.deleted_at !== null) await this.records.setDeletedIn(manager, workspaceId, written, false, actor);
    return this.saveLink(manager, event, ref, written.id, false);
  }

  /**
   * The existing contact a new CRM record is, when its email and phone lead to one contact (locked)
   * that no other record of the integration is; undefined when they lead to none. Two contacts, or
   * one that is another record's, are refused: that is for an admin to merge, never done silently.
   */
  private async adoptable(
    manager: EntityManager,
    ref: CrmRecordRef,
    fields: { email: string | null; phone: string | null },
  ): Promise<ContactRow | undefined> {
    const identities = (['email', 'phone'] as const).flatMap((kind) => (fields[kind] === null ? [] : [{ kind, value: fields[kind] }]));
    if (identities.length === 0) return undefined;
    await this.contacts.lockKeys(
      manager,
      identities.map((identity) => identityLockKey(ref.workspaceId, identity)),
    );
    const owners = await this.contacts.identityOwners(
      manager,
      identities.map((identity) => ({ workspaceId: ref.workspaceId, ...identity })),
    );
    const rows: ContactRow[] = [];
    for (const id of [...new Set(owners.map((owner) => owner.contactId))].sort()) {
      const row = await this.lockContact(manager, ref.workspaceId, id);
      if (row) rows.push(row);
    }
    const contactIds = [...new Set(rows.map((row) => row.id))];
    if (contactIds.length === 0) return undefined;
    if (contactIds.length > 1) {
      throw refused(
        `identity_conflict: the email and phone of CRM record ${ref.externalId} belong to two contacts (${contactIds.join(', ')}); merge them in LeadFlow first`,
      );
    }
    const row = rows[0] as ContactRow;
    const other = await this.links.otherRecordLinkedTo(manager, ref, row.id);
    if (other !== undefined) {
      throw refused(
        `identity_conflict: contact ${row.id}, which holds the email or phone of CRM record ${ref.externalId}, is already CRM record ${other}`,
      );
    }
    if (row.erased_at) throw refused(`contact_erased: contact ${row.id} was erased`);
    return row;
  }

  private async applyOpportunity(event: CrmEvent, manager: EntityManager): Promise<Outcome> {
    const ref = refOf(event, 'opportunity');
    const { data, workspaceId } = event;
    const link = await this.links.find(manager, ref, data.sourceUpdatedAt);
    const verdict = this.verdict(event, link);
    if (verdict) return verdict;
    const actor = crmActor(ref.integrationId);
    const { change, contactExternalId } = opportunityChangeOf(data.type, data.fields);
    if (contactExternalId !== undefined) change.contactId = await this.contactOf(manager, ref, contactExternalId);
    if (link?.recordId) {
      await this.opportunities.updateIn(manager, workspaceId, actor, link.recordId, change);
      return this.saveLink(manager, event, ref, link.recordId, false);
    }
    if (change.contactId === undefined)
      throw refused(`validation_failed: a new opportunity needs contactExternalId, the CRM id of its contact`);
    if (change.amount === undefined) throw refused(`validation_failed: a new opportunity needs an amount`);
    change.name ??= data.externalId.slice(0, 200);
    const created = await this.opportunities.createIn(manager, workspaceId, actor, change);
    return this.saveLink(manager, event, ref, created.id, false);
  }

  /** The live contact of a CRM contact of the integration: retryable while its contact event has not been applied. */
  private async contactOf(manager: EntityManager, ref: CrmRecordRef, contactExternalId: string): Promise<string> {
    const linked = await this.links.linkedContact(manager, { ...ref, externalId: contactExternalId });
    if (!linked || (linked.contactId === null && !linked.deleted)) {
      throw refused(`unknown_contact: the CRM contact ${contactExternalId} is not known yet`, true);
    }
    if (linked.deleted || linked.contactId === null) {
      throw refused(`unknown_contact: the CRM contact ${contactExternalId} was deleted in the CRM`);
    }
    return linked.contactId;
  }

  /** `lead.converted`: the lead ingestion stored for the CRM lead converts, as an admin's conversion does. */
  private async convertLead(event: CrmEvent, manager: EntityManager): Promise<Outcome> {
    const { data, workspaceId } = event;
    if (!data.leadId) throw refused(`unknown_lead: no LeadFlow lead is known for the CRM lead ${data.externalId}`);
    const integrationId = data.integrationId.toLowerCase();
    try {
      const { conversion, replayed } = await this.conversions.convertIn(manager, {
        workspaceId,
        leadId: data.leadId.toLowerCase(),
        // One conversion per CRM lead: its events sent again find the first conversion.
        idempotencyKey: `crm:${integrationId}:${data.externalId}`,
        source: 'crm',
        offer: null,
        actor: crmActor(integrationId),
      });
      return replayed ? skipped('duplicate', conversion.contactId) : processed(conversion.contactId);
    } catch (error) {
      if (error instanceof AppException && error.code === ErrorCodes.leadAlreadyConverted) return skipped('duplicate', null);
      throw error;
    }
  }

  /** A contact by id, locked; a contact merged away stands for its survivor (one step reaches it). */
  private async lockContact(manager: EntityManager, workspaceId: string, id: string): Promise<ContactRow | undefined> {
    const [row] = await this.contacts.lockContacts(manager, [id]);
    if (!row || row.workspace_id !== workspaceId) return undefined;
    if (row.merged_into === null) return row;
    const [survivor] = await this.contacts.lockContacts(manager, [row.merged_into]);
    return survivor;
  }

  private async saveLink(
    manager: EntityManager,
    event: CrmEvent,
    ref: CrmRecordRef,
    recordId: string | null,
    deleted: boolean,
  ): Promise<Outcome> {
    await this.links.save(manager, {
      ...ref,
      recordId,
      deleted,
      sourceUpdatedAt: event.data.sourceUpdatedAt,
      crmEventId: event.data.crmEventId.toLowerCase(),
    });
    return processed(recordId);
  }
}

function refOf(event: CrmEvent, objectType: 'contact' | 'opportunity'): CrmRecordRef {
  return {
    workspaceId: event.workspaceId,
    integrationId: event.data.integrationId.toLowerCase(),
    objectType,
    externalId: event.data.externalId,
  };
}

function refused(error: string, retryable = false): CrmEventRefused {
  return new CrmEventRefused(failed(error, retryable));
}

function failureOutcome(error: unknown): Outcome | undefined {
  const failure = failureOf(error);
  return failure && failed(failure.error, failure.retryable);
}
