import { AppException, type ContactInsightsView, ErrorCodes, isUuid, type ScoringTimelineEntry } from '@leadflow/contracts';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ScoreRepository } from '../scores/score.repository';
import { insightsOf } from './insights';
import { ReadsRepository } from './reads.repository';

export const RISK_SILENT_DAYS = Symbol('RISK_SILENT_DAYS');
const DAY_MS = 86_400_000;

/** A contact's scoring timeline and insights; a merged id answers with its survivor's. */
@Injectable()
export class ReadsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly reads: ReadsRepository,
    private readonly scores: ScoreRepository,
    @Inject(RISK_SILENT_DAYS) private readonly riskSilentDays: number,
  ) {}

  async timeline(workspaceId: string, id: string, before: string | undefined, limit: number): Promise<{ entries: ScoringTimelineEntry[] }> {
    const requested = this.contactId(id);
    const manager = this.dataSource.manager;
    const contactId = await this.scores.resolveContact(manager, workspaceId, requested);
    return { entries: await this.reads.timeline(manager, workspaceId, contactId, before ?? null, limit) };
  }

  async insights(workspaceId: string, id: string, now = new Date()): Promise<ContactInsightsView> {
    const requested = this.contactId(id);
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      const contactId = await this.scores.resolveContact(manager, workspaceId, requested);
      const current = await this.scores.activeScore(manager, workspaceId, contactId);
      if (!current) throw new AppException(ErrorCodes.notFound, `no score for contact ${requested}`);
      const at = (days: number) => new Date(now.getTime() - days * DAY_MS).toISOString();
      const [last7Days = 0, previous7Days = 0] = await this.reads.pointsBetween(manager, workspaceId, contactId, [
        { from: at(7), to: now.toISOString() },
        { from: at(14), to: at(7) },
      ]);
      const lastActivityAt = await this.reads.lastActivityAt(manager, workspaceId, contactId);
      return insightsOf(contactId, { ...current, last7Days, previous7Days, lastActivityAt, now, riskSilentDays: this.riskSilentDays });
    });
  }

  private contactId(id: string): string {
    const requested = id.trim().toLowerCase();
    if (!isUuid(requested)) throw new AppException(ErrorCodes.invalidId, 'id must be a contact id (UUID)');
    return requested;
  }
}
