import type { EventEnvelope, LeadAttributedData, LeadConvertedData, OpportunityChangedData } from '@leadflow/contracts';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { DealStateRepository, type OpportunityState } from './deal-state.repository';

/** The newest state of each opportunity among these events (the highest version wins). */
export function newestStates(events: ReadonlyArray<EventEnvelope<OpportunityChangedData>>): OpportunityState[] {
  const newest = new Map<string, OpportunityState>();
  for (const { workspaceId, data } of events) {
    const key = `${workspaceId}\u0000${data.opportunityId}`;
    const kept = newest.get(key);
    if (kept && kept.version >= data.version) continue;
    newest.set(key, {
      workspaceId,
      opportunityId: data.opportunityId,
      version: data.version,
      contactId: data.contactId,
      originLeadId: data.originLeadId,
      pipelineId: data.pipelineId,
      stage: data.stage,
      status: data.status,
      amount: data.amount,
      currency: data.currency,
      closedAt: data.closedAt,
      deleted: data.deleted,
    });
  }
  return [...newest.values()];
}

/**
 * Keeps the state deal reports are computed from: per opportunity its newest version (so that
 * moving a stage or an amount moves its value, and events in any order or twice converge), the
 * source and offer of each lead, and each conversion.
 */
@Injectable()
export class DealStateService {
  constructor(private readonly repository: DealStateRepository) {}

  applyOpportunityChanges(events: ReadonlyArray<EventEnvelope<OpportunityChangedData>>, manager: EntityManager): Promise<void> {
    return this.repository.keepNewest(manager, newestStates(events));
  }

  recordLeadOrigins(events: ReadonlyArray<EventEnvelope<LeadAttributedData>>, manager: EntityManager): Promise<void> {
    return this.repository.recordOrigins(
      manager,
      events.map(({ workspaceId, data }) => ({
        workspaceId,
        leadId: data.leadId.toLowerCase(),
        contactId: data.contactId,
        source: data.source,
        offer: data.offer ?? '',
      })),
    );
  }

  recordConversions(events: ReadonlyArray<EventEnvelope<LeadConvertedData>>, manager: EntityManager): Promise<void> {
    return this.repository.recordConversions(
      manager,
      events.map(({ workspaceId, data }) => ({
        workspaceId,
        leadId: data.leadId.toLowerCase(),
        contactId: data.contactId,
        opportunityId: data.opportunityId,
        source: data.source,
        offer: data.offer ?? '',
        convertedAt: data.convertedAt,
      })),
    );
  }
}
