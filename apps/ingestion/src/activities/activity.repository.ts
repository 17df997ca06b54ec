import type { IntakeRequestMeta } from '@leadflow/contracts';
import { qualifiedTable } from '@leadflow/database';
import type { CausingStatement } from '@leadflow/messaging';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { NormalizedActivity } from './activity-event';

/** A request of activity events as received. */
export interface NewActivityRequest {
  id: string;
  meta: IntakeRequestMeta;
  requestId: string | null;
  /** Empty when the request named a suppressed identity; `bodySha256` then proves what came. */
  body: Buffer;
  bodySha256: string | null;
  events: number;
}

export interface NewActivity {
  id: string;
  activity: NormalizedActivity;
  /** What an erasure finds the activity by: hashes of its email, phone, tracker ids and contact id. */
  identityHashes: string[];
  /** From a suppressed identity: stored redacted, published nowhere. */
  suppressed: boolean;
}

/** All SQL of `raw_activity_requests` and `activities`. */
@Injectable()
export class ActivityRepository {
  private readonly raw: string;
  private readonly activities: string;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.raw = qualifiedTable(dataSource, 'raw_activity_requests');
    this.activities = qualifiedTable(dataSource, 'activities');
  }

  /**
   * One statement: the raw request, and the events whose (workspace, message id) is new; its keys
   * are the ids stored now. A message id taken by a transaction in flight waits for it, then counts
   * as taken. The events are inserted in message-id order (the first of a repeated id in the request
   * wins), so that two requests repeating the same ids in other orders wait for each other instead
   * of deadlocking. Run through `Outbox.addManyWith`, so that `activity.received` is written by the same
   * statement.
   */
  insertStatement(request: NewActivityRequest, rows: readonly NewActivity[]): CausingStatement {
    const { meta } = request;
    const records = rows.map(({ id, activity: a, identityHashes, suppressed }, ord) => ({
      ord,
      id,
      message_id: a.messageId,
      kind: a.kind,
      name: a.name,
      anonymous_id: a.anonymousId,
      user_id: a.userId,
      previous_id: a.previousId,
      email: a.email,
      email_valid: a.emailValid,
      phone: a.phone,
      phone_valid: a.phoneValid,
      contact_id: a.contactId,
      identity_hashes: identityHashes,
      properties: a.properties,
      traits: a.traits,
      occurred_at: a.occurredAt,
      time_flag: a.timeFlag,
      suppressed,
    }));
    const ctes = `
      "raw" AS (
        INSERT INTO ${this.raw} ("id", "workspace_id", "source", "content_type", "headers", "remote_address", "body", "events",
          "received_at", "request_id", "body_sha256", "redacted_at")
        VALUES ($1::uuid, $2, $3, $4, $5::jsonb, $6, decode($7, 'base64'), $8::int, $9::timestamptz, $10, $11,
          CASE WHEN $11::text IS NULL THEN NULL ELSE now() END)
        RETURNING "id"
      ),
      "input" AS (
        SELECT * FROM jsonb_to_recordset($12::jsonb) AS i("ord" int, "id" uuid, "message_id" text, "kind" text, "name" text,
          "anonymous_id" text, "user_id" text, "previous_id" text, "email" text, "email_valid" boolean, "phone" text,
          "phone_valid" boolean, "contact_id" uuid, "identity_hashes" text[], "properties" jsonb, "traits" jsonb,
          "occurred_at" timestamptz, "time_flag" text, "suppressed" boolean)
      ),
      "stored" AS (
        INSERT INTO ${this.activities} ("id", "workspace_id", "raw_request_id", "message_id", "kind", "name", "anonymous_id",
          "user_id", "previous_id", "email", "email_valid", "phone", "phone_valid", "contact_id", "identity_hashes",
          "properties", "traits", "occurred_at", "received_at", "time_flag", "source", "suppressed", "redacted_at")
        SELECT i."id", $2, (SELECT "id" FROM "raw"), i."message_id", i."kind", i."name", i."anonymous_id", i."user_id",
          i."previous_id", i."email", i."email_valid", i."phone", i."phone_valid", i."contact_id", i."identity_hashes",
          i."properties", i."traits", i."occurred_at", $9::timestamptz, i."time_flag", $3, i."suppressed",
          CASE WHEN i."suppressed" THEN now() END
        FROM "input" i ORDER BY i."message_id" COLLATE "C", i."ord"
        ON CONFLICT ON CONSTRAINT "activities_one_per_message" DO NOTHING
        RETURNING "id"
      )`;
    return {
      ctes,
      keys: `SELECT "id"::text AS "key" FROM "stored"`,
      params: [
        request.id,
        meta.workspaceId,
        meta.source,
        meta.contentType,
        JSON.stringify(meta.headers),
        meta.remoteAddress,
        request.body.toString('base64'),
        request.events,
        meta.receivedAt,
        request.requestId,
        request.bodySha256,
        JSON.stringify(records),
      ],
    };
  }

  /** The ids stored under these message ids of the workspace, by message id. */
  async idsByMessageId(workspaceId: string, messageIds: readonly string[]): Promise<Map<string, string>> {
    if (messageIds.length === 0) return new Map();
    const rows = (await this.dataSource.query(
      `SELECT "message_id", "id" FROM ${this.activities} WHERE "workspace_id" = $1 AND "message_id" = ANY($2::text[])`,
      [workspaceId, messageIds],
    )) as Array<{ message_id: string; id: string }>;
    return new Map(rows.map((row) => [row.message_id, row.id]));
  }
}
