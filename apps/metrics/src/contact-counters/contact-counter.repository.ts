import { qualifiedTable } from '@leadflow/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

export type ContactCounter = 'created' | 'deleted' | 'restored';

/** Increments of one workspace's counters on one UTC day. */
export interface ContactCountIncrement {
  workspaceId: string;
  day: string;
  created: number;
  deleted: number;
  restored: number;
}

/** `contact_daily_counters`: one row per workspace and UTC day. */
@Injectable()
export class ContactCounterRepository {
  private readonly counters: string;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.counters = qualifiedTable(dataSource, 'contact_daily_counters');
  }

  /** Adds these increments with one statement (one row per workspace and day among them). */
  async add(manager: EntityManager, increments: ContactCountIncrement[]): Promise<void> {
    if (increments.length === 0) return;
    await manager.query(
      `INSERT INTO ${this.counters} AS c ("workspace_id", "day", "created", "deleted", "restored")
       SELECT * FROM unnest($1::text[], $2::date[], $3::int[], $4::int[], $5::int[])
       ON CONFLICT ("workspace_id", "day") DO UPDATE SET
         "created" = c."created" + EXCLUDED."created", "deleted" = c."deleted" + EXCLUDED."deleted",
         "restored" = c."restored" + EXCLUDED."restored"`,
      [
        increments.map((i) => i.workspaceId),
        increments.map((i) => i.day),
        increments.map((i) => i.created),
        increments.map((i) => i.deleted),
        increments.map((i) => i.restored),
      ],
    );
  }

  /** The days of a range that have counts, with them. */
  async byDay(
    workspaceId: string,
    from: string,
    to: string,
  ): Promise<Array<{ day: string; created: number; deleted: number; restored: number }>> {
    const rows = (await this.dataSource.query(
      `SELECT to_char("day", 'YYYY-MM-DD') AS "day", "created", "deleted", "restored" FROM ${this.counters}
       WHERE "workspace_id" = $1 AND "day" BETWEEN $2::date AND $3::date ORDER BY "day"`,
      [workspaceId, from, to],
    )) as Array<{ day: string; created: number; deleted: number; restored: number }>;
    return rows;
  }
}
