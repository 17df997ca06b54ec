import type { ErasureApp, ErasureStep } from '@leadflow/contracts';
import type { DataSource, EntityManager } from 'typeorm';
import { qualifiedTable } from './schema-data-source';

/**
 * DDL of the `erasure_steps` table each app that applies `contact.erased` keeps in its schema: what
 * it did for each erasure, written in the transaction that did it. Frozen: a change is a new version.
 */
export function erasureStepsTableV1(schema: string): { up: string[]; down: string[] } {
  const s = `"${schema}"`;
  return {
    up: [
      `CREATE TABLE ${s}."erasure_steps" (
        "erasure_id" uuid PRIMARY KEY,
        "workspace_id" text NOT NULL,
        "contact_id" uuid NOT NULL,
        "summary" jsonb NOT NULL,
        "completed_at" timestamptz NOT NULL DEFAULT now()
      )`,
    ],
    down: [`DROP TABLE ${s}."erasure_steps"`],
  };
}

/** All SQL of an app's `erasure_steps`. */
export class ErasureStepsRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly app: ErasureApp,
  ) {}

  private get table(): string {
    return qualifiedTable(this.dataSource, 'erasure_steps');
  }

  /** Records the step once; a second record of the same erasure (a redelivery) keeps the first. */
  async record(
    manager: EntityManager,
    step: { workspaceId: string; erasureId: string; contactId: string; summary: ErasureStep['summary'] },
  ): Promise<void> {
    await manager.query(
      `INSERT INTO ${this.table} ("erasure_id", "workspace_id", "contact_id", "summary") VALUES ($1, $2, $3, $4)
       ON CONFLICT ("erasure_id") DO NOTHING`,
      [step.erasureId, step.workspaceId, step.contactId, JSON.stringify(step.summary)],
    );
  }

  async find(workspaceId: string, erasureId: string): Promise<ErasureStep | null> {
    const [row] = (await this.dataSource.query(
      `SELECT "summary", "completed_at" FROM ${this.table} WHERE "workspace_id" = $1 AND "erasure_id" = $2`,
      [workspaceId, erasureId],
    )) as Array<{ summary: ErasureStep['summary']; completed_at: Date }>;
    return row ? { app: this.app, completedAt: row.completed_at.toISOString(), summary: row.summary } : null;
  }
}
