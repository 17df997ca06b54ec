import {
  AppException,
  type ByIdQuery,
  type ContactExport,
  type EraseContactReply,
  type EraseContactRequest,
  type ErasureGetReply,
  type ErasureStep,
  type ErasureStepRequest,
  ErrorCodes,
  EventTypes,
  type IdentityKind,
} from '@leadflow/contracts';
import { Outbox, redactDeadLetters } from '@leadflow/messaging';
import { hashOfNormalizedIdentity } from '@leadflow/normalization';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { erasedIdentityHash } from '../contacts/activity-identity';
import { identityLockKey } from '../contacts/identity';
import { ContactsRepository } from '../contacts/contacts.repository';
import { ErasureRepository, type StoredErasure } from './erasure.repository';

function stepOf(stored: StoredErasure): ErasureStep {
  return { app: 'contacts', completedAt: stored.record.requestedAt, summary: stored.summary };
}

/**
 * GDPR in contacts: erasing a person (the contact and those merged into it) and exporting what
 * contacts holds of them. An erasure is one transaction: the record, the redaction and the
 * `contact.erased` event that every other app applies; erasing again answers the same record.
 */
@Injectable()
export class ContactErasureService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly erasures: ErasureRepository,
    private readonly contacts: ContactsRepository,
    private readonly outbox: Outbox,
  ) {}

  async erase(request: EraseContactRequest): Promise<EraseContactReply> {
    const { workspaceId, requestedBy } = request;
    return this.dataSource.transaction(async (manager) => {
      const contactId = await this.erasures.lockSurvivor(manager, workspaceId, request.id);
      if (!contactId) throw new AppException(ErrorCodes.notFound, `No contact ${request.id}`);
      const earlier = await this.erasures.findByContact(manager, workspaceId, contactId);
      if (earlier) return { erasure: earlier.record, step: stepOf(earlier), created: false };

      let person = await this.erasures.personOf(manager, workspaceId, contactId);
      const identities = identitiesIn(person.contacts, person.identities);
      // Resolution of a lead with one of these identities waits for the erasure, and then finds none.
      await this.contacts.lockKeys(
        manager,
        identities.map((identity) => identityLockKey(workspaceId, identity)),
      );
      person = await this.erasures.personOf(manager, workspaceId, contactId);
      const ids = person.contacts.map((row) => row['id'] as string);
      const mergedContactIds = ids.filter((id) => id !== contactId);
      const redacted = await this.erasures.redactContacts(manager, workspaceId, ids);
      const deals = await this.erasures.redactDealsAndImports(manager, workspaceId, ids, searchValues(identities));
      const deadLetters = await redactDeadLetters(manager, this.dataSource, [
        ...ids,
        ...person.leadIds,
        ...identities.map((identity) => identity.value),
      ]);
      const hashes = (kind: IdentityKind) =>
        [...new Set(identities.filter((i) => i.kind === kind).map((i) => hashOfNormalizedIdentity(kind, i.value)))].sort();
      // The tracker ids activities name the person by (with no email or phone): ingestion erases those activities by them.
      const trackerHashes = (kind: 'anonymous_id' | 'user_id') =>
        [...new Set(identities.filter((i) => (i.kind as string) === kind).map(erasedIdentityHash))].sort();
      // CRM events naming the person by their CRM id alone: ingestion erases those by these records.
      const crmContactRecords = await this.erasures.crmContactRecordsOf(manager, workspaceId, ids);
      const anonymousIdHashes = trackerHashes('anonymous_id');
      const userIdHashes = trackerHashes('user_id');
      const stored = await this.erasures.insertErasure(
        manager,
        {
          id: uuidv7(),
          workspaceId,
          contactId,
          requestedBy,
          requestedAt: new Date().toISOString(),
          leadIds: person.leadIds,
          mergedContactIds,
          emailHashes: hashes('email'),
          phoneHashes: hashes('phone'),
        },
        {
          contactsRedacted: redacted.contacts,
          identitiesRemoved: redacted.identities,
          activitiesRemoved: redacted.activities,
          deadLettersRedacted: deadLetters,
          opportunitiesRedacted: deals.opportunities,
          conversionsRedacted: deals.conversions,
          importRowsRedacted: deals.importRows,
        },
        [...anonymousIdHashes, ...userIdHashes],
      );
      const { record } = stored;
      await this.outbox.add(manager, {
        type: EventTypes.contactErased,
        workspaceId,
        data: {
          contactId,
          erasureId: record.id,
          mergedContactIds,
          leadIds: record.leadIds,
          emailHashes: record.emailHashes,
          phoneHashes: record.phoneHashes,
          anonymousIdHashes,
          userIdHashes,
          crmContactRecords,
        },
      });
      return { erasure: record, step: stepOf(stored), created: true };
    });
  }

  async get(request: ErasureStepRequest): Promise<ErasureGetReply> {
    const stored = await this.erasures.find(request.workspaceId, request.erasureId);
    if (!stored) throw new AppException(ErrorCodes.notFound, `No erasure ${request.erasureId}`);
    return { erasure: stored.record, step: stepOf(stored) };
  }

  async export(query: ByIdQuery): Promise<ContactExport> {
    const contactId = await this.dataSource.transaction((manager) => this.erasures.lockSurvivor(manager, query.workspaceId, query.id));
    if (!contactId) throw new AppException(ErrorCodes.notFound, `No contact ${query.id}`);
    const person = await this.erasures.personOf(this.dataSource, query.workspaceId, contactId);
    const [contact, ...merged] = person.contacts;
    const deals = await this.erasures.dealsAndImportsOf(
      this.dataSource,
      query.workspaceId,
      person.contacts.map((row) => row['id'] as string),
      searchValues(identitiesIn(person.contacts, person.identities)),
    );
    return {
      contact: contact ?? {},
      identities: person.identities.map((identity) => ({
        kind: identity.kind,
        value: identity.value,
        createdAt: identity.created_at.toISOString(),
      })),
      leadIds: person.leadIds,
      mergedContacts: merged,
      erasure: (await this.erasures.findByContact(this.dataSource, query.workspaceId, contactId))?.record ?? null,
      ...deals,
    };
  }
}

/** The identities recorded for these contacts, and the email and phone their rows hold. */
function identitiesIn(
  contacts: ReadonlyArray<Record<string, unknown>>,
  recorded: ReadonlyArray<{ kind: IdentityKind; value: string }>,
): Array<{ kind: IdentityKind; value: string }> {
  const all = new Map<string, { kind: IdentityKind; value: string }>();
  const add = (kind: IdentityKind, value: unknown) => {
    if (typeof value === 'string' && value.length > 0) all.set(`${kind}:${value}`, { kind, value });
  };
  for (const identity of recorded) add(identity.kind, identity.value);
  for (const row of contacts) {
    add('email', row['email']);
    add('phone', row['phone']);
  }
  return [...all.values()];
}

/** The texts an import row naming the person would hold: emails as stored, phones with and without their +. */
function searchValues(identities: ReadonlyArray<{ kind: IdentityKind; value: string }>): string[] {
  return identities.flatMap((identity) =>
    identity.kind === 'phone' ? [identity.value, identity.value.replace(/^\+/, '')] : [identity.value],
  );
}
