import {
  type ContactTimelineQuery,
  type ContactView,
  DownstreamException,
  ErrorCodes,
  RpcSubjects,
  type ScoringTimelineRequest,
  type TimelineEntry,
} from '@leadflow/contracts';
import { APP_LOGGER } from '@leadflow/logging';
import { RpcClient } from '@leadflow/messaging';
import { openServiceDatabase, type ServiceDatabase } from '@leadflow/testing';
import { Test } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { AuditLogRepository } from '../src/audit/audit-log.repository';
import { AuditLogService } from '../src/audit/audit-log.service';
import type { Principal } from '../src/auth/principal';
import { ContactIdentityService } from '../src/contacts/contact-identity.service';
import { gatewayMigrations } from '../src/database/migrations';

/**
 * The gateway's side of contact identity in-process against a real PostgreSQL (its audit log), the
 * other apps answered by a stand-in RPC client: the admin merge audited once contacts committed it,
 * and the timeline composed from contacts' and scoring's entries, or from contacts' alone (partial)
 * when scoring does not answer.
 */
describe('gateway contact identity against PostgreSQL', () => {
  let database: ServiceDatabase;
  let service: ContactIdentityService;
  const answers = new Map<string, (payload: Record<string, unknown>) => unknown>();
  const rpc = {
    request: async (subject: string, payload: Record<string, unknown>) => {
      const answer = answers.get(subject);
      if (!answer) throw new DownstreamException(subject, ErrorCodes.unavailable, `nothing answers ${subject}`);
      return answer(payload);
    },
  };

  beforeAll(async () => {
    database = await openServiceDatabase('gateway', gatewayMigrations);
    const module = await Test.createTestingModule({
      providers: [
        { provide: getDataSourceToken(), useValue: database.dataSource },
        { provide: RpcClient, useValue: rpc },
        { provide: APP_LOGGER, useValue: pino({ level: 'silent' }) },
        AuditLogRepository,
        AuditLogService,
        ContactIdentityService,
      ],
    }).compile();
    service = module.get(ContactIdentityService);
  });

  afterAll(async () => {
    await database?.close();
  });

  beforeEach(() => answers.clear());

  const admin = (workspaceId: string): Principal =>
    ({ kind: 'key', workspaceId, actor: 'key:admin', scopes: new Set(), source: 'admin' }) as unknown as Principal;

  const view = (id: string, version: number): ContactView => ({ id, version, leadIds: [], mergedIds: [] }) as unknown as ContactView;

  it('answers the surviving contact of an admin merge and audits it once contacts committed it', async () => {
    const ws = `ws-${randomUUID().slice(0, 8)}`;
    const [id, intoId] = [randomUUID(), randomUUID()];
    answers.set(RpcSubjects.contacts.contactMerge, (payload) => {
      expect(payload).toEqual({ workspaceId: ws, actor: 'key:admin', id, intoId });
      return { outcome: 'written', contact: view(intoId, 3), before: view(intoId, 2) };
    });
    expect(await service.merge(admin(ws), id, intoId)).toMatchObject({ id: intoId, version: 3 });
    const rows = await database.db.query(`SELECT action, target, before, after FROM gateway.audit_log WHERE workspace_id = $1`, [ws]);
    expect(rows).toEqual([
      {
        action: 'contact.merge',
        target: `contact:${intoId}`,
        before: { id: intoId, version: 2, merging: id },
        after: { id: intoId, version: 3 },
      },
    ]);
    // A repeated merge contacts answers unchanged is not audited again.
    answers.set(RpcSubjects.contacts.contactMerge, () => ({ outcome: 'unchanged', contact: view(intoId, 3) }));
    await service.merge(admin(ws), id, intoId);
    expect(await database.db.query(`SELECT 1 FROM gateway.audit_log WHERE workspace_id = $1`, [ws])).toHaveLength(1);
  });

  const minutesAgo = (m: number) => new Date(Date.UTC(2026, 10, 30, 12) - m * 60_000).toISOString();
  const contactsEntries: TimelineEntry[] = [
    { at: minutesAgo(1), kind: 'merge', key: 'merge:b', mergedId: randomUUID(), name: 'identify' },
    { at: minutesAgo(5), kind: 'activity', key: 'activity:a2', activityId: 'a2', name: 'signup' },
    { at: minutesAgo(10), kind: 'lead', key: 'lead:l1', leadId: 'l1' },
    { at: minutesAgo(20), kind: 'activity', key: 'activity:a1', activityId: 'a1', name: 'page_view' },
  ];
  const scoringEntries = [
    { at: minutesAgo(5), kind: 'stage_changed', activityId: 'a2', ruleId: null, points: 0, score: 30, stage: 'warm', fromStage: 'cold' },
    { at: minutesAgo(5), kind: 'score_changed', activityId: 'a2', ruleId: 'signup', points: 20, score: 30, stage: 'warm', fromStage: null },
    { at: minutesAgo(10), kind: 'score_changed', activityId: 'l1', ruleId: 'lead', points: 10, score: 10, stage: 'cold', fromStage: null },
  ];

  /** Contacts and scoring as they answer: newest first, before the position asked, at most `limit`. */
  function answerBoth(contactId: string, withScoring: boolean) {
    answers.set(RpcSubjects.contacts.contactTimeline, (payload) => {
      const q = payload as unknown as ContactTimelineQuery;
      const before = q.before;
      const entries = contactsEntries.filter((e) => !before || e.at < before.at || (e.at === before.at && e.key < before.key));
      return { contactId, entries: entries.slice(0, q.limit) };
    });
    if (!withScoring) return;
    answers.set(RpcSubjects.scoring.contactTimeline, (payload) => {
      const q = payload as unknown as ScoringTimelineRequest;
      expect(q.contactId).toBe(contactId);
      return { entries: scoringEntries.filter((e) => !q.before || e.at < q.before).slice(0, q.limit) };
    });
  }

  it("composes contacts' entries alone and says scoring's are missing when scoring does not answer", async () => {
    const contactId = randomUUID();
    answerBoth(contactId, false);
    const page = await service.timeline('ws', randomUUID(), 10, undefined);
    expect(page).toEqual({ contactId, items: contactsEntries, nextCursor: null, partial: ['scoring'] });
  });

  it('merges the entries of contacts and scoring newest first, in pages that follow each other without loss or repeat', async () => {
    const contactId = randomUUID();
    answerBoth(contactId, true);
    const whole = await service.timeline('ws', contactId, 50, undefined);
    expect(whole.partial).toEqual([]);
    expect(whole.items.map((e) => `${e.kind}:${e.activityId ?? e.leadId ?? ''}`)).toEqual([
      'merge:',
      'stage_changed:a2',
      'score_changed:a2',
      'activity:a2',
      'score_changed:l1',
      'lead:l1',
      'activity:a1',
    ]);
    const paged: TimelineEntry[] = [];
    let before: { at: string; key: string } | undefined;
    for (let pages = 0; pages < 10; pages += 1) {
      const page = await service.timeline('ws', contactId, 2, before);
      paged.push(...page.items);
      if (!page.nextCursor) break;
      before = page.nextCursor;
    }
    expect(paged).toEqual(whole.items);
  });

  it('answers no score entries and nothing missing when scoring does not know the contact yet', async () => {
    const contactId = randomUUID();
    answerBoth(contactId, false);
    answers.set(RpcSubjects.scoring.contactTimeline, () => {
      throw new DownstreamException(RpcSubjects.scoring.contactTimeline, ErrorCodes.notFound, 'no score');
    });
    expect((await service.timeline('ws', contactId, 10, undefined)).partial).toEqual([]);
  });
});
