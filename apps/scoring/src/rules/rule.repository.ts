import { qualifiedTable } from '@leadflow/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { RuleKind, ScoringRule } from './scoring-rule';

interface RuleRow {
  id: string;
  kind: RuleKind;
  activity_type: string | null;
  condition: string | null;
  points: number;
}

/** The `rules` table (seeded by a migration). Rules are the platform's, the same in every workspace. */
@Injectable()
export class RuleRepository {
  private readonly rules: string;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.rules = qualifiedTable(dataSource, 'rules');
  }

  /** The active rules in id order, read through the caller's transaction. */
  async active(manager: EntityManager): Promise<ScoringRule[]> {
    const rows = (await manager.query(
      `SELECT "id", "kind", "activity_type", "condition", "points" FROM ${this.rules} WHERE "active" ORDER BY "id"`,
    )) as RuleRow[];
    return rows.map((r) => ({ id: r.id, kind: r.kind, activityType: r.activity_type, condition: r.condition, points: r.points }));
  }
}
