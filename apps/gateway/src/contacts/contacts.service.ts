import {
  AppException,
  type ContactFields,
  type ContactLeadEntry,
  type ContactLeadsQuery,
  type ContactListQuery,
  type ContactSummary,
  type ContactView,
  type ContactWriteReply,
  DownstreamException,
  ErrorCodes,
  type Page,
  RpcSubjects,
  type ScoreView,
} from '@leadflow/contracts';
import { APP_LOGGER } from '@leadflow/logging';
import { RpcClient } from '@leadflow/messaging';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { AuditLogService } from '../audit/audit-log.service';
import { contactAuditTarget } from '../audit/audit-erasure.handler';
import type { Principal } from '../auth/principal';
import { WorkspaceAdminsRepository } from '../workspaces/workspace-admins.repository';
import { ContactConflictException } from './contact-conflict';
import type { ContactWithScore } from './dto/contact-views.dto';

/** What a write asks of contacts: the RPC, its payload, and how the audit log names it. */
interface ContactWrite {
  subject: string;
  action: string;
  payload: object;
}

/**
 * Contacts as the admin API shows them: the contact from contacts, its score from scoring. Both
 * are asked at once; a merged id answers its survivor, whose score is then asked again. Writes go
 * to contacts, which checks versions and identities; what an owner id names is checked here,
 * where admin accounts live, and every write is recorded in the audit log once contacts committed it.
 */
@Injectable()
export class ContactsService {
  constructor(
    private readonly rpc: RpcClient,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly admins: WorkspaceAdminsRepository,
    private readonly audit: AuditLogService,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {}

  list(query: ContactListQuery): Promise<Page<ContactSummary>> {
    return this.rpc.request(RpcSubjects.contacts.contactList, query);
  }

  leads(query: ContactLeadsQuery): Promise<Page<ContactLeadEntry>> {
    return this.rpc.request(RpcSubjects.contacts.contactLeads, query);
  }

  async get(workspaceId: string, id: string): Promise<ContactWithScore> {
    const { contact, score } = await this.contactAndScore(workspaceId, id);
    return { ...contact, score: score.score, stage: score.stage };
  }

  async score(workspaceId: string, id: string): Promise<ScoreView> {
    return (await this.contactAndScore(workspaceId, id)).score;
  }

  async create(caller: Principal, fields: ContactFields): Promise<ContactView> {
    await this.checkOwner(caller.workspaceId, fields.ownerId);
    return this.write(caller, {
      subject: RpcSubjects.contacts.contactCreate,
      action: 'contact.create',
      payload: { workspaceId: caller.workspaceId, actor: caller.actor, fields: definedOnly(fields) },
    });
  }

  async replace(caller: Principal, id: string, ifMatch: number[], fields: ContactFields): Promise<ContactView> {
    await this.checkOwner(caller.workspaceId, fields.ownerId);
    return this.write(caller, {
      subject: RpcSubjects.contacts.contactReplace,
      action: 'contact.replace',
      payload: { workspaceId: caller.workspaceId, actor: caller.actor, id, ifMatch, fields: definedOnly(fields) },
    });
  }

  async patch(caller: Principal, id: string, ifMatch: number[], patch: ContactFields): Promise<ContactView> {
    await this.checkOwner(caller.workspaceId, patch.ownerId);
    return this.write(caller, {
      subject: RpcSubjects.contacts.contactPatch,
      action: 'contact.patch',
      payload: { workspaceId: caller.workspaceId, actor: caller.actor, id, ifMatch, patch: definedOnly(patch) },
    });
  }

  remove(caller: Principal, id: string, ifMatch: number[]): Promise<ContactView> {
    return this.write(caller, {
      subject: RpcSubjects.contacts.contactDelete,
      action: 'contact.delete',
      payload: { workspaceId: caller.workspaceId, actor: caller.actor, id, ifMatch },
    });
  }

  restore(caller: Principal, id: string, ifMatch: number[]): Promise<ContactView> {
    return this.write(caller, {
      subject: RpcSubjects.contacts.contactRestore,
      action: 'contact.restore',
      payload: { workspaceId: caller.workspaceId, actor: caller.actor, id, ifMatch },
    });
  }

  private async write(caller: Principal, write: ContactWrite): Promise<ContactView> {
    const reply = await this.rpc.request<ContactWriteReply>(write.subject, write.payload);
    switch (reply.outcome) {
      case 'version_conflict':
        throw ContactConflictException.versionConflict(reply.current);
      case 'identity_conflict':
        throw ContactConflictException.identityConflict(reply.kind, reply.contactId);
      case 'unchanged':
        return reply.contact;
      case 'written': {
        // Contacts committed already: the audit row follows in the gateway's own database (another
        // database, so not the same transaction). Should it fail, the log says which write it was
        // (ids and versions only: no personal data in logs).
        const entry = {
          workspaceId: caller.workspaceId,
          action: write.action,
          target: contactAuditTarget(reply.contact.id),
          before: reply.before ? auditedState(reply.before) : undefined,
          after: auditedState(reply.contact),
        };
        try {
          await this.audit.record(this.dataSource.manager, caller, entry);
        } catch (error) {
          this.logger.error(
            { err: error, action: entry.action, target: entry.target, actor: caller.actor, version: reply.contact.version },
            'a contact write committed but its audit row was not written',
          );
          throw error;
        }
        return reply.contact;
      }
    }
  }

  /** An owner must be an admin account of the workspace (accounts live in the gateway's schema). */
  private async checkOwner(workspaceId: string, ownerId: string | null | undefined): Promise<void> {
    if (typeof ownerId !== 'string') return;
    const role = await this.admins.roleOf(this.dataSource.manager, workspaceId, ownerId.toLowerCase());
    if (!role) throw new AppException(ErrorCodes.invalidOwner, `ownerId ${ownerId} is not an admin account of this workspace`);
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

/** The fields a body set, nulls included: a DTO instance may carry its undeclared ones as undefined. */
function definedOnly(fields: ContactFields): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}

/** A contact as the audit log keeps it: its record, without the lists of leads and merged ids that grow without bound. */
function auditedState(contact: ContactView): object {
  const { leadIds: _leadIds, mergedIds: _mergedIds, ...record } = contact;
  return record;
}
