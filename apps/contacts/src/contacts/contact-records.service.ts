import { AppException, type ContactChangedData, type ContactWriteReply, ErrorCodes, EventTypes } from '@leadflow/contracts';
import { Outbox } from '@leadflow/messaging';
import { hashOfNormalizedIdentity } from '@leadflow/normalization';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { applyMergePatch, editableFieldsOf, normalizeContactFields } from './contact-record-fields';
import type { ContactRecordFields, ContactRow } from './contact-row';
import { ContactQueryService } from './contact-query.service';
import { ContactsRepository } from './contacts.repository';
import { ErasedIdentitiesRepository } from './erased-identities.repository';
import type { ContactCreateDto, ContactPatchDto, ContactReplaceDto, ContactVersionedDto } from './dto/contact-write.dto';
import { type Identity, identityLockKey, type PersonalIdentityKind } from './identity';

/** A write refused because another contact holds one of its identities. */
export type IdentityConflictReply = Extract<ContactWriteReply, { outcome: 'identity_conflict' }>;

/** What a versioned write found before writing: the contact as it is, or the answer to give instead. */
type Target = { row: ContactRow } | { reply: ContactWriteReply };

/**
 * Contacts as records admins edit: create, replace (PUT), merge-patch (PATCH), soft delete and
 * restore. Every change to an existing contact is allowed only at the version the caller read
 * (If-Match), checked by the UPDATE that writes it; every write bumps the version and publishes its
 * event through the outbox in the same transaction. Email and phone stay identities: changing one
 * moves the identity with it, under the same advisory locks identity resolution takes, and a value
 * another contact holds is refused (409), never merged.
 *
 * A soft-deleted contact keeps its identities: it is still the person, so a new lead with its email
 * or phone is attributed to it (it stays deleted and keeps out of lists), no second contact is made
 * for the person, and restoring it can never collide with another contact.
 *
 * An erased contact (GDPR) is redacted for good: every write, delete and restore of it answers 410
 * `contact_erased`; and an email or phone of an erased person makes no contact by hand either (409
 * `identity_erased`), as it makes none from leads or imports.
 */
@Injectable()
export class ContactRecordsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly contacts: ContactsRepository,
    private readonly query: ContactQueryService,
    private readonly outbox: Outbox,
    private readonly erased: ErasedIdentitiesRepository,
  ) {}

  async create(request: ContactCreateDto): Promise<ContactWriteReply> {
    const fields = normalizeContactFields(request.fields);
    const outcome = await this.dataSource.transaction((manager) => this.createIn(manager, request.workspaceId, fields, request.actor));
    if (!isRow(outcome)) return outcome;
    return { outcome: 'written', contact: await this.query.view(outcome), before: null };
  }

  /**
   * Creates a contact with these normalized fields inside the caller's transaction (CRM sync uses it
   * too): the row, or the identity conflict that refuses it (an erased identity throws).
   */
  async createIn(
    manager: EntityManager,
    workspaceId: string,
    fields: ContactRecordFields,
    actor: string,
  ): Promise<ContactRow | IdentityConflictReply> {
    const id = uuidv7();
    const conflict = await this.claimIdentities(manager, workspaceId, id, [], identitiesOfFields(fields));
    if (conflict) return conflict;
    const row = await this.contacts.insertRecord(manager, { workspaceId, id, fields, actor });
    for (const identity of identitiesOfFields(fields)) {
      await this.contacts.replaceIdentity(manager, workspaceId, id, identity.kind, null, identity.value);
    }
    await this.outbox.add(manager, { type: EventTypes.contactCreated, workspaceId, data: changedData(row, actor) });
    return row;
  }

  replace(request: ContactReplaceDto): Promise<ContactWriteReply> {
    return this.write(request, () => normalizeContactFields(request.fields));
  }

  /** RFC 7396 against the contact's editable fields as they are at the version the caller names. */
  patch(request: ContactPatchDto): Promise<ContactWriteReply> {
    return this.write(request, (current) => {
      const patched = applyMergePatch(editableFieldsOf(current), request.patch) as Record<string, unknown>;
      return normalizeContactFields(patched);
    });
  }

  delete(request: ContactVersionedDto): Promise<ContactWriteReply> {
    return this.setDeleted(request, true);
  }

  restore(request: ContactVersionedDto): Promise<ContactWriteReply> {
    return this.setDeleted(request, false);
  }

  private async write(request: ContactVersionedDto, fieldsOf: (current: ContactRow) => ContactRecordFields): Promise<ContactWriteReply> {
    const target = await this.target(request);
    if ('reply' in target) return target.reply;
    const before = target.row;
    // Computed from the version the caller named: if another write lands meanwhile, the UPDATE below misses.
    const fields = fieldsOf(before);
    const beforeView = await this.query.view(before);
    const outcome = await this.dataSource.transaction(async (manager): Promise<ContactWriteReply | ContactRow> => {
      const after = await this.updateIn(manager, request.workspaceId, before, fields, request.actor);
      return after ?? this.versionConflict(manager, request);
    });
    if (!isRow(outcome)) return outcome;
    return { outcome: 'written', contact: await this.query.view(outcome), before: beforeView };
  }

  /**
   * Replaces the fields of `before` (a live, not merged contact) inside the caller's transaction,
   * only while it is at `before.version`: the row written, the identity conflict that refuses it, or
   * undefined when another write moved the version on. Email and phone move their identities.
   */
  async updateIn(
    manager: EntityManager,
    workspaceId: string,
    before: ContactRow,
    fields: ContactRecordFields,
    actor: string,
  ): Promise<ContactRow | IdentityConflictReply | undefined> {
    const conflict = await this.claimIdentities(manager, workspaceId, before.id, identitiesOfFields(before), identitiesOfFields(fields));
    if (conflict) return conflict;
    const after = await this.contacts.updateRecord(manager, { workspaceId, id: before.id, fields, actor }, before.version);
    if (!after) return undefined;
    for (const kind of ['email', 'phone'] as const) {
      if (before[kind] !== after[kind]) {
        await this.contacts.replaceIdentity(manager, workspaceId, after.id, kind, before[kind], after[kind]);
      }
    }
    await this.outbox.add(manager, { type: EventTypes.contactUpdated, workspaceId, data: changedData(after, actor) });
    return after;
  }

  private async setDeleted(request: ContactVersionedDto, deleted: boolean): Promise<ContactWriteReply> {
    const target = await this.target(request);
    if ('reply' in target) return target.reply;
    const before = target.row;
    // Deleting a deleted contact (or restoring a live one) changes nothing and publishes nothing.
    if ((before.deleted_at !== null) === deleted) return { outcome: 'unchanged', contact: await this.query.view(before) };
    const beforeView = await this.query.view(before);
    const outcome = await this.dataSource.transaction(async (manager): Promise<ContactWriteReply | ContactRow> => {
      const after = await this.setDeletedIn(manager, request.workspaceId, before, deleted, request.actor);
      return after ?? this.versionConflict(manager, request);
    });
    if (!isRow(outcome)) return outcome;
    return { outcome: 'written', contact: await this.query.view(outcome), before: beforeView };
  }

  /**
   * Soft-deletes (or restores) `before` inside the caller's transaction, only while it is at
   * `before.version` and not already so; undefined when it was not written.
   */
  async setDeletedIn(
    manager: EntityManager,
    workspaceId: string,
    before: ContactRow,
    deleted: boolean,
    actor: string,
  ): Promise<ContactRow | undefined> {
    const after = await this.contacts.setDeleted(manager, { workspaceId, id: before.id, actor }, before.version, deleted);
    if (!after) return undefined;
    const version = Number(after.version);
    await this.outbox.add(
      manager,
      deleted
        ? {
            type: EventTypes.contactDeleted,
            workspaceId,
            data: { contactId: after.id, version, deletedAt: (after.deleted_at as Date).toISOString(), actor },
          }
        : { type: EventTypes.contactRestored, workspaceId, data: { contactId: after.id, version, actor } },
    );
    return after;
  }

  /**
   * The contact a versioned write is about, when it is at one of the versions the caller names: a
   * contact merged away (its id now answers with its survivor) or at another version is a 412 with
   * the current representation; an unknown id a 404.
   */
  private async target(request: ContactVersionedDto): Promise<Target> {
    const row = await this.contacts.findOwn(this.dataSource.manager, request.workspaceId, request.id);
    if (!row) throw new AppException(ErrorCodes.notFound, `No contact ${request.id}`);
    refuseErased(row);
    if (row.merged_into !== null || !request.ifMatch.includes(Number(row.version))) {
      return { reply: await this.versionConflict(this.dataSource.manager, request) };
    }
    return { row };
  }

  /** The answer to a write at a version the contact is no longer at: the current representation (of the survivor, when merged). */
  private async versionConflict(manager: EntityManager, request: ContactVersionedDto): Promise<ContactWriteReply> {
    const own = await this.contacts.findOwn(manager, request.workspaceId, request.id);
    const current = own && (own.merged_into === null ? own : await this.contacts.findOwn(manager, request.workspaceId, own.merged_into));
    if (!current) throw new AppException(ErrorCodes.notFound, `No contact ${request.id}`);
    // Erased while this write was on its way (the erasure bumps the version): the same 410 as before it.
    refuseErased(current);
    return { outcome: 'version_conflict', current: await this.query.view(current) };
  }

  /**
   * Takes the identity locks of a contact's old and new email and phone (in the order identity
   * resolution takes them) and answers 409 when another contact, deleted or not, holds a new one,
   * or when a new one is an erased person's (`identity_erased`, thrown: the transaction rolls back).
   */
  private async claimIdentities(
    manager: EntityManager,
    workspaceId: string,
    contactId: string,
    previous: Array<Identity<PersonalIdentityKind>>,
    next: Array<Identity<PersonalIdentityKind>>,
  ): Promise<IdentityConflictReply | undefined> {
    const same = (a: Identity, b: Identity) => a.kind === b.kind && a.value === b.value;
    const added = next.filter((identity) => !previous.some((p) => same(p, identity)));
    const removed = previous.filter((identity) => !next.some((n) => same(n, identity)));
    if (added.length === 0 && removed.length === 0) return undefined;
    // A removed one is locked too: a lead with it waits, then finds it free (a new contact) rather than refilling it.
    await this.contacts.lockKeys(
      manager,
      [...previous, ...added].map((identity) => identityLockKey(workspaceId, identity)),
    );
    if (added.length === 0) return undefined;
    const erased = await this.erased.erasedAmong(
      manager,
      added.map((identity) => ({ workspaceId, hash: hashOfNormalizedIdentity(identity.kind, identity.value) })),
    );
    if (erased.size > 0) {
      const kinds = added.filter((i) => erased.has(`${workspaceId}\u0000${hashOfNormalizedIdentity(i.kind, i.value)}`)).map((i) => i.kind);
      throw new AppException(ErrorCodes.identityErased, `The ${kinds.join(' and ')} belongs to an erased person`);
    }
    const owners = await this.contacts.identityOwners(
      manager,
      added.map((identity) => ({ workspaceId, ...identity })),
    );
    const taken = owners.find((owner) => owner.contactId !== contactId);
    if (!taken) return undefined;
    return { outcome: 'identity_conflict', kind: taken.kind, value: taken.value, contactId: taken.contactId };
  }
}

function refuseErased(row: ContactRow): void {
  if (row.erased_at !== null) throw new AppException(ErrorCodes.contactErased, `Contact ${row.id} was erased`);
}

function isRow(outcome: ContactWriteReply | ContactRow): outcome is ContactRow {
  return !('outcome' in outcome);
}

function identitiesOfFields(fields: Pick<ContactRecordFields, 'email' | 'phone'>): Array<Identity<PersonalIdentityKind>> {
  const identities: Array<Identity<PersonalIdentityKind>> = [];
  if (fields.email !== null) identities.push({ kind: 'email', value: fields.email });
  if (fields.phone !== null) identities.push({ kind: 'phone', value: fields.phone });
  return identities;
}

function changedData(row: ContactRow, actor: string | null): ContactChangedData {
  return {
    contactId: row.id,
    email: row.email,
    phone: row.phone,
    firstName: row.first_name,
    lastName: row.last_name,
    country: row.country,
    version: Number(row.version),
    company: row.company,
    title: row.title,
    ownerId: row.owner_id,
    tags: row.tags,
    lifecycle: row.lifecycle,
    actor,
  };
}
