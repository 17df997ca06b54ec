import { AppException, ErrorCodes, isUuid, type ScoreView } from '@leadflow/contracts';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ContactDeletionsRepository } from '../contact-visibility/contact-deletions.repository';
import { ScoreRepository } from './score.repository';

/** Reads a contact's score and history; a merged contact answers with its survivor's. */
@Injectable()
export class ScoreQueryService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly scores: ScoreRepository,
    private readonly deletions: ContactDeletionsRepository,
  ) {}

  async get(workspaceId: string, id: string): Promise<ScoreView> {
    const requested = id.trim().toLowerCase();
    if (!isUuid(requested)) throw new AppException(ErrorCodes.invalidId, 'id must be a contact id (UUID)');
    // One snapshot, so the score always equals the sum of the history shown with it.
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      const contactId = await this.scores.resolveContact(manager, workspaceId, requested);
      const current = await this.scores.activeScore(manager, workspaceId, contactId);
      if (!current) throw new AppException(ErrorCodes.notFound, `no score for contact ${requested}`);
      const history = await this.scores.historyOf(manager, workspaceId, contactId);
      // Said only of a deleted contact, so that a live contact's score reads as before.
      const deleted = await this.deletions.isDeleted(manager, workspaceId, contactId);
      const fit = history.filter((h) => h.kind === 'fit').reduce((sum, h) => sum + h.points, 0);
      return {
        contactId,
        score: current.score,
        stage: current.stage,
        fit,
        engagement: current.score - fit,
        history,
        ...(deleted ? { contactDeleted: true } : {}),
      };
    });
  }
}
