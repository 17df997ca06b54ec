import {
  type ContactTimelineReply,
  type ContactView,
  type ContactWriteReply,
  DownstreamException,
  ErrorCodes,
  RpcSubjects,
  type ScoringTimelineReply,
  type TimelineEntry,
  type TimelinePosition,
} from '@leadflow/contracts';
import { APP_LOGGER } from '@leadflow/logging';
import { RpcClient } from '@leadflow/messaging';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { AuditLogService } from '../audit/audit-log.service';
import type { Principal } from '../auth/principal';

/** A page of a contact's timeline; `partial` names the apps whose entries are missing from it. */
export interface TimelinePage {
  contactId: string;
  items: TimelineEntry[];
  nextCursor: TimelinePosition | null;
  partial: string[];
}

/**
 * A contact's identity for admins: the explicit merge of two contacts (audited once contacts
 * committed it) and the timeline composed from contacts (leads, activities, merges) and scoring
 * (score and stage changes), newest first. When scoring does not answer, the timeline says so
 * (`partial: ['scoring']`) rather than failing.
 */
@Injectable()
export class ContactIdentityService {
  constructor(
    private readonly rpc: RpcClient,
    private readonly audit: AuditLogService,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {}

  async merge(caller: Principal, id: string, intoId: string): Promise<ContactView> {
    const reply = await this.rpc.request<ContactWriteReply>(RpcSubjects.contacts.contactMerge, {
      workspaceId: caller.workspaceId,
      actor: caller.actor,
      id,
      intoId,
    });
    if (reply.outcome === 'unchanged') return reply.contact;
    if (reply.outcome !== 'written') throw new Error(`contacts answered a merge with ${reply.outcome}`);
    const entry = {
      workspaceId: caller.workspaceId,
      action: 'contact.merge',
      target: `contact:${reply.contact.id}`,
      before: reply.before ? { ...auditedState(reply.before), merging: id } : undefined,
      after: auditedState(reply.contact),
    };
    try {
      await this.audit.recordAlone(caller, entry);
    } catch (error) {
      this.logger.error(
        { err: error, action: entry.action, target: entry.target, merged: id, actor: caller.actor, version: reply.contact.version },
        'a contact merge committed but its audit row was not written',
      );
      throw error;
    }
    return reply.contact;
  }

  /**
   * Both sources are asked for one entry more than the page (scoring by time, with the cursor's
   * instant included and the entries at it filtered here), merged newest first, and cut to the page.
   */
  async timeline(workspaceId: string, id: string, limit: number, before: TimelinePosition | undefined): Promise<TimelinePage> {
    const own = await this.rpc.request<ContactTimelineReply>(RpcSubjects.contacts.contactTimeline, {
      workspaceId,
      id,
      before,
      limit: limit + 1,
    });
    const partial: string[] = [];
    let scored: TimelineEntry[] = [];
    try {
      const reply = await this.rpc.request<ScoringTimelineReply>(RpcSubjects.scoring.contactTimeline, {
        workspaceId,
        contactId: own.contactId,
        before: before ? new Date(Date.parse(before.at) + 1).toISOString() : undefined,
        limit: limit + 1,
      });
      scored = reply.entries
        .map((entry) => ({
          at: new Date(entry.at).toISOString(),
          kind: entry.kind,
          key: `${entry.kind}:${entry.activityId ?? ''}:${entry.ruleId ?? ''}:${entry.at}`,
          activityId: entry.activityId ?? undefined,
          ruleId: entry.ruleId,
          points: entry.points ?? undefined,
          score: entry.score,
          stage: entry.stage ?? undefined,
          fromStage: entry.fromStage,
        }))
        .filter((entry) => !before || isBefore(entry, before));
    } catch (error) {
      if (error instanceof DownstreamException && error.code === ErrorCodes.notFound) {
        // Scoring knows nothing of this contact yet: no score entries, nothing missing.
      } else {
        this.logger.warn({ err: error, contactId: own.contactId }, 'scoring did not answer the timeline: answered without score entries');
        partial.push('scoring');
      }
    }
    const merged = [...own.entries, ...scored].sort((a, b) => (isBefore(a, b) ? 1 : isBefore(b, a) ? -1 : 0));
    const items = merged.slice(0, limit);
    const last = items.at(-1);
    return {
      contactId: own.contactId,
      items,
      nextCursor: merged.length > limit && last ? { at: last.at, key: last.key } : null,
      partial,
    };
  }
}

/** Newest first: `a` comes after `b` in the timeline when it is older (or, at one instant, has the smaller key). */
function isBefore(a: TimelinePosition, b: TimelinePosition): boolean {
  const at = Date.parse(a.at) - Date.parse(b.at);
  return at < 0 || (at === 0 && a.key < b.key);
}

/** A contact as the audit log keeps it: its record, without the lists of leads and merged ids that grow without bound. */
function auditedState(contact: ContactView): Record<string, unknown> {
  const { leadIds: _leadIds, mergedIds: _mergedIds, ...record } = contact;
  return record;
}
