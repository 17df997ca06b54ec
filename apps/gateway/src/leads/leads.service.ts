import {
  DownstreamException,
  ErrorCodes,
  type LeadContactReply,
  type LeadListQuery,
  type LeadSummary,
  type LeadView,
  type Page,
  RpcSubjects,
} from '@leadflow/contracts';
import { RpcClient } from '@leadflow/messaging';
import { Injectable } from '@nestjs/common';

/** Leads as the admin API shows them: ingestion's lead, with the contact it is attributed to. */
@Injectable()
export class LeadsService {
  constructor(private readonly rpc: RpcClient) {}

  list(query: LeadListQuery): Promise<Page<LeadSummary>> {
    return this.rpc.request(RpcSubjects.ingestion.leadList, query);
  }

  /** Asks ingestion and contacts at once. */
  async get(workspaceId: string, id: string): Promise<LeadView> {
    const query = { workspaceId, id };
    const [lead, contact] = await Promise.all([
      this.rpc.request<LeadView>(RpcSubjects.ingestion.leadGet, query),
      this.rpc.request<LeadContactReply>(RpcSubjects.contacts.leadContact, query).catch((error: unknown) => {
        // Not attributed yet is an answer; contacts being down is not.
        if (error instanceof DownstreamException && error.code === ErrorCodes.notFound) return { contactId: null };
        throw error;
      }),
    ]);
    return { ...lead, contactId: contact.contactId };
  }
}
