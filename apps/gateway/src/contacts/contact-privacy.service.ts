import {
  ERASURE_APPS,
  type ContactExport,
  type EraseContactReply,
  type ErasureGetReply,
  type ErasureStep,
  type ErasureStepReply,
  type ErasureView,
  type LeadExport,
  type LeadExportReply,
  MAX_EXPORT_LEADS_PER_CALL,
  type PersonExport,
  type RejectedExportReply,
  RpcSubjects,
  type ScoreExport,
} from '@leadflow/contracts';
import { ErasureStepsRepository } from '@leadflow/database';
import { RpcClient } from '@leadflow/messaging';
import { Injectable } from '@nestjs/common';
import { contactAuditTarget } from '../audit/audit-erasure.handler';
import { AuditLogService } from '../audit/audit-log.service';
import type { Principal } from '../auth/principal';

/** The apps asked over NATS for their erasure step; contacts answers its own with the record, the gateway reads its own. */
const ASKED_FOR_STEPS = [
  ['ingestion', RpcSubjects.ingestion.erasureStep],
  ['scoring', RpcSubjects.scoring.erasureStep],
  ['metrics', RpcSubjects.metrics.erasureStep],
] as const;

/**
 * GDPR through the admin API: erasing a contact (contacts erases and publishes `contact.erased`;
 * every app then redacts what it holds and records a step), an erasure's progress composed from
 * each app's step, and the export of everything the apps hold about a person, composed here.
 */
@Injectable()
export class ContactPrivacyService {
  constructor(
    private readonly rpc: RpcClient,
    private readonly audit: AuditLogService,
    private readonly gatewaySteps: ErasureStepsRepository,
  ) {}

  /** Erases a contact, or answers its earlier erasure (`created` false). The erasure is audited once. */
  async erase(caller: Principal, workspaceId: string, contactId: string): Promise<{ view: ErasureView; created: boolean }> {
    const reply = await this.rpc.request<EraseContactReply>(RpcSubjects.contacts.contactErase, {
      workspaceId,
      id: contactId,
      requestedBy: caller.actor,
    });
    if (reply.created) {
      await this.audit.recordAlone(caller, {
        workspaceId,
        action: 'contact.erase',
        target: `erasure:${reply.erasure.id}`,
        after: { erasureId: reply.erasure.id, contactId: reply.erasure.contactId, leads: reply.erasure.leadIds.length },
      });
    }
    return { view: await this.withSteps(reply), created: reply.created };
  }

  async erasure(workspaceId: string, erasureId: string): Promise<ErasureView> {
    return this.withSteps(await this.rpc.request<ErasureGetReply>(RpcSubjects.contacts.erasureGet, { workspaceId, erasureId }));
  }

  /** The record with every app's step; an app that has not applied it yet, or does not answer, is pending. */
  private async withSteps({ erasure, step }: ErasureGetReply): Promise<ErasureView> {
    const query = { workspaceId: erasure.workspaceId, erasureId: erasure.id };
    const asked = await Promise.all(
      ASKED_FOR_STEPS.map(([, subject]) =>
        this.rpc
          .request<ErasureStepReply>(subject, query)
          .then((reply) => reply.step)
          .catch(() => null),
      ),
    );
    const own = await this.gatewaySteps.find(erasure.workspaceId, erasure.id);
    const steps = [step, ...asked, own].filter((found): found is ErasureStep => found !== null);
    const pendingApps = ERASURE_APPS.filter((app) => !steps.some((done) => done.app === app));
    return { ...erasure, status: pendingApps.length === 0 ? 'completed' : 'pending', steps, pendingApps };
  }

  /** Everything LeadFlow holds about the person behind a contact, from each app that holds any. */
  async export(workspaceId: string, contactId: string): Promise<PersonExport> {
    const contacts = await this.rpc.request<ContactExport>(RpcSubjects.contacts.contactExport, { workspaceId, id: contactId });
    const id = String(contacts.contact['id'] ?? contactId);
    const mergedIds = contacts.mergedContacts.map((merged) => String(merged['id']));
    const [leads, rejected, scoring, audit] = await Promise.all([
      this.leadsOf(workspaceId, contacts.leadIds),
      this.rpc.request<RejectedExportReply>(RpcSubjects.ingestion.rejectedExport, { workspaceId, leadIds: contacts.leadIds }),
      this.rpc.request<ScoreExport>(RpcSubjects.scoring.scoreExport, { workspaceId, id }),
      this.audit.aboutTargets(
        workspaceId,
        [id, ...mergedIds].map((one) => contactAuditTarget(one)),
      ),
    ]);
    return {
      exportedAt: new Date().toISOString(),
      workspaceId,
      contactId: id,
      contacts,
      ingestion: { leads, rejectedRequests: rejected.rejectedRequests },
      scoring,
      gateway: { audit: audit as unknown as Array<Record<string, unknown>> },
      notHeld: { metrics: 'daily counters by source, offer and country, and the ids of the leads counted: nothing about a person' },
    };
  }

  /** The leads, asked a few at a time (each answer carries their raw bodies). */
  private async leadsOf(workspaceId: string, leadIds: readonly string[]): Promise<LeadExport[]> {
    const chunks: string[][] = [];
    for (let i = 0; i < leadIds.length; i += MAX_EXPORT_LEADS_PER_CALL) chunks.push(leadIds.slice(i, i + MAX_EXPORT_LEADS_PER_CALL));
    const replies: LeadExportReply[] = [];
    for (const chunk of chunks)
      replies.push(await this.rpc.request<LeadExportReply>(RpcSubjects.ingestion.leadExport, { workspaceId, leadIds: chunk }));
    return replies.flatMap((reply) => reply.leads);
  }
}
