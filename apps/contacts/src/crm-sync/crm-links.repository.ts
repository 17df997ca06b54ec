import { lockKeys, qualifiedTable } from '@leadflow/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

export type CrmLinkedType = 'contact' | 'opportunity';

/** A CRM record of an integration: the link's key. */
export interface CrmRecordRef {
  workspaceId: string;
  integrationId: string;
  objectType: CrmLinkedType;
  externalId: string;
}

/** A record's link as an event finds it, compared in SQL with the event's own source time (microseconds kept). */
export interface CrmLinkState {
  recordId: string | null;
  deleted: boolean;
  lastCrmEventId: string;
  /** The event's time is after the newest applied one. */
  newer: boolean;
}

export interface CrmLinkWrite extends CrmRecordRef {
  recordId: string | null;
  sourceUpdatedAt: string;
  crmEventId: string;
  deleted: boolean;
}

/** The SQL of CRM sync: the links from CRM records to contacts and opportunities, and the batch's savepoints. */
@Injectable()
export class CrmLinksRepository {
  private readonly links: string;
  private readonly contacts: string;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.links = qualifiedTable(dataSource, 'crm_links');
    this.contacts = qualifiedTable(dataSource, 'contacts');
  }

  /**
   * Serializes the events of these records across replicas and redeliveries until the transaction
   * ends: one advisory lock per record, all taken in one statement in one fixed order, before any
   * identity lock, so that two batches never wait on each other in a cycle over records.
   */
  async lockRecords(manager: EntityManager, keys: string[]): Promise<void> {
    await lockKeys(manager, keys);
  }

  async find(manager: EntityManager, ref: CrmRecordRef, sourceUpdatedAt: string): Promise<CrmLinkState | undefined> {
    const [row] = (await manager.query(
      `SELECT "record_id", "deleted", "last_crm_event_id", $5::timestamptz > "source_updated_at" AS "newer"
       FROM ${this.links}
       WHERE "workspace_id" = $1 AND "integration_id" = $2 AND "object_type" = $3 AND "external_id" = $4`,
      [ref.workspaceId, ref.integrationId, ref.objectType, ref.externalId, sourceUpdatedAt],
    )) as Array<{ record_id: string | null; deleted: boolean; last_crm_event_id: string; newer: boolean }>;
    return row && { recordId: row.record_id, deleted: row.deleted, lastCrmEventId: row.last_crm_event_id, newer: row.newer };
  }

  /** Records what the event applied: the record, its time and whether it is deleted. */
  async save(manager: EntityManager, link: CrmLinkWrite): Promise<void> {
    await manager.query(
      `INSERT INTO ${this.links} AS l ("workspace_id", "integration_id", "object_type", "external_id", "record_id", "source_updated_at",
         "last_crm_event_id", "deleted")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT ("workspace_id", "integration_id", "object_type", "external_id") DO UPDATE
         SET "record_id" = EXCLUDED."record_id", "source_updated_at" = EXCLUDED."source_updated_at",
             "last_crm_event_id" = EXCLUDED."last_crm_event_id", "deleted" = EXCLUDED."deleted", "updated_at" = now()`,
      [
        link.workspaceId,
        link.integrationId,
        link.objectType,
        link.externalId,
        link.recordId,
        link.sourceUpdatedAt,
        link.crmEventId,
        link.deleted,
      ],
    );
  }

  /** The CRM id of another live record of the integration that is already this LeadFlow record. */
  async otherRecordLinkedTo(manager: EntityManager, ref: CrmRecordRef, recordId: string): Promise<string | undefined> {
    const [row] = (await manager.query(
      `SELECT "external_id" FROM ${this.links}
       WHERE "workspace_id" = $1 AND "record_id" = $2 AND "integration_id" = $3 AND "object_type" = $4
         AND "external_id" <> $5 AND NOT "deleted"
       LIMIT 1`,
      [ref.workspaceId, recordId, ref.integrationId, ref.objectType, ref.externalId],
    )) as Array<{ external_id: string }>;
    return row?.external_id;
  }

  /**
   * The contact a CRM contact is now: its linked contact, or the survivor it was merged into (a
   * merge points every contact merged into the merged one at the survivor, so one step reaches it).
   */
  async linkedContact(
    manager: EntityManager,
    ref: Omit<CrmRecordRef, 'objectType'>,
  ): Promise<{ contactId: string | null; deleted: boolean } | undefined> {
    const [row] = (await manager.query(
      `SELECT COALESCE(c."merged_into", c."id") AS "contact_id", l."deleted"
       FROM ${this.links} l LEFT JOIN ${this.contacts} c ON c."id" = l."record_id"
       WHERE l."workspace_id" = $1 AND l."integration_id" = $2 AND l."object_type" = 'contact' AND l."external_id" = $3`,
      [ref.workspaceId, ref.integrationId, ref.externalId],
    )) as Array<{ contact_id: string | null; deleted: boolean }>;
    return row && { contactId: row.contact_id, deleted: row.deleted };
  }

  /** A savepoint per event, so that an event refused for its data leaves the batch's other events applied. */
  async savepoint(manager: EntityManager): Promise<void> {
    await manager.query('SAVEPOINT "crm_event"');
  }

  async rollbackToSavepoint(manager: EntityManager): Promise<void> {
    await manager.query('ROLLBACK TO SAVEPOINT "crm_event"');
  }

  async releaseSavepoint(manager: EntityManager): Promise<void> {
    await manager.query('RELEASE SAVEPOINT "crm_event"');
  }
}
