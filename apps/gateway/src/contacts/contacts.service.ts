import {
  type ContactListQuery,
  type ContactSummary,
  type ContactView,
  DownstreamException,
  ErrorCodes,
  type Page,
  RpcSubjects,
  type ScoreView,
} from '@leadflow/contracts';
import { RpcClient } from '@leadflow/messaging';
import { Injectable } from '@nestjs/common';
import type { ContactWithScore } from './dto/contact-views.dto';

/**
 * Contacts as the admin API shows them: the contact from contacts, its score from scoring. Both
 * are asked at once; a merged id answers its survivor, whose score is then asked again.
 */
@Injectable()
export class ContactsService {
  constructor(private readonly rpc: RpcClient) {}

  list(query: ContactListQuery): Promise<Page<ContactSummary>> {
    return this.rpc.request(RpcSubjects.contacts.contactList, query);
  }

  async get(workspaceId: string, id: string): Promise<ContactWithScore> {
    const { contact, score } = await this.contactAndScore(workspaceId, id);
    return { ...contact, score: score.score, stage: score.stage };
  }

  async score(workspaceId: string, id: string): Promise<ScoreView> {
    return (await this.contactAndScore(workspaceId, id)).score;
  }

  private async contactAndScore(workspaceId: string, id: string): Promise<{ contact: ContactView; score: ScoreView }> {
    const scoreOfId = this.scoreOf(workspaceId, id);
    // Asked before anything awaits: a 404 of the contact must not leave this one rejected unheard.
    scoreOfId.catch(() => undefined);
    const contact = await this.rpc.request<ContactView>(RpcSubjects.contacts.contactGet, { workspaceId, id });
    const score = contact.id === id ? await scoreOfId : await this.scoreOf(workspaceId, contact.id);
    return { contact, score };
  }

  private async scoreOf(workspaceId: string, contactId: string): Promise<ScoreView> {
    try {
      return await this.rpc.request<ScoreView>(RpcSubjects.scoring.scoreGet, { workspaceId, id: contactId });
    } catch (error) {
      // Scoring has not seen an activity of this contact yet.
      if (error instanceof DownstreamException && error.code === ErrorCodes.notFound) {
        return { contactId, score: 0, stage: 'cold', history: [] };
      }
      throw error;
    }
  }
}
