import type { ServiceName } from './services';

/**
 * Request/reply subjects: `<app>.<resource>.<action>`. Every app answers `system.status`, which the
 * gateway uses to report on the whole platform.
 */
export const RpcSubjects = {
  systemStatus: {
    gateway: 'gateway.system.status',
    ingestion: 'ingestion.system.status',
    contacts: 'contacts.system.status',
    scoring: 'scoring.system.status',
    metrics: 'metrics.system.status',
  } satisfies Record<ServiceName, string>,
  ingestion: {
    /** Stores single-lead requests gathered by the gateway, one transaction for all; one result per item. */
    leadIngestGroup: 'ingestion.lead.ingest_group',
    /** Stores up to MAX_BATCH_LEADS leads in one round trip; one result per item. */
    leadIngestBatch: 'ingestion.lead.ingest_batch',
    leadList: 'ingestion.lead.list',
    leadGet: 'ingestion.lead.get',
    /** GDPR export: the leads of these ids, raw and normalized. */
    leadExport: 'ingestion.lead.export',
    /** GDPR export: the refused requests whose body names the person of these leads. */
    rejectedExport: 'ingestion.rejected.export',
    /** What ingestion did for an erasure (null until it applied `contact.erased`). */
    erasureStep: 'ingestion.erasure.step',
    suppressionList: 'ingestion.suppression.list',
    suppressionAdd: 'ingestion.suppression.add',
    suppressionRemove: 'ingestion.suppression.remove',
    /** Stores a request of activity events (one, a batch, or a Segment-style call): one result per event. */
    activityIngest: 'ingestion.activity.ingest',
    /** Stores a received CRM webhook (verified or rejected) before the gateway answers it. */
    crmWebhookStore: 'ingestion.crm_webhook.store',
    /** The CRM event log of an integration, newest first, in cursor pages. */
    crmEventList: 'ingestion.crm_event.list',
    /** Hands one CRM event on again; and a range of them, re-read with the current mapping. */
    crmEventRetry: 'ingestion.crm_event.retry',
    crmEventReplay: 'ingestion.crm_event.replay',
    /** Pauses an integration's processing, or resumes it (held events in event-time order). */
    crmIntegrationSetPaused: 'ingestion.crm_integration.set_paused',
    /** Lag, last event and counts per status of an integration. */
    crmIntegrationStatus: 'ingestion.crm_integration.status',
  },
  contacts: {
    contactList: 'contacts.contact.list',
    contactGet: 'contacts.contact.get',
    /** Which contact a lead is attributed to (follows merges). */
    leadContact: 'contacts.lead.contact',
    opportunityCreate: 'contacts.opportunity.create',
    opportunityList: 'contacts.opportunity.list',
    opportunityGet: 'contacts.opportunity.get',
    opportunityUpdate: 'contacts.opportunity.update',
    opportunityDelete: 'contacts.opportunity.delete',
    opportunityHistory: 'contacts.opportunity.history',
    pipelineList: 'contacts.pipeline.list',
    pipelineCreate: 'contacts.pipeline.create',
    pipelineUpdate: 'contacts.pipeline.update',
    /** Converts a lead: its contact, optionally an opportunity, idempotent by key. */
    leadConvert: 'contacts.lead.convert',
    /** Bulk imports: an upload in chunks (start, chunk…, finish or abort), then its progress and rows. */
    importStart: 'contacts.import.start',
    importChunk: 'contacts.import.chunk',
    importFinish: 'contacts.import.finish',
    importAbort: 'contacts.import.abort',
    importGet: 'contacts.import.get',
    importList: 'contacts.import.list',
    importIssues: 'contacts.import.issues',
    /** GDPR: erases a contact (idempotent), publishing `contact.erased`. */
    contactErase: 'contacts.contact.erase',
    /** An erasure record with the contacts app's step. */
    erasureGet: 'contacts.erasure.get',
    /** GDPR export: everything contacts holds of a contact. */
    contactExport: 'contacts.contact.export',
    contactCreate: 'contacts.contact.create',
    /** PUT (replace), PATCH (merge patch), DELETE (soft) and restore: each checks the version it is given. */
    contactReplace: 'contacts.contact.replace',
    contactPatch: 'contacts.contact.patch',
    contactDelete: 'contacts.contact.delete',
    contactRestore: 'contacts.contact.restore',
    contactLeads: 'contacts.contact.leads',
    /** An admin merges one contact into another (audited by the gateway). */
    contactMerge: 'contacts.contact.merge',
    /** Leads, activities and merges of a contact, newest first, in keyset pages. */
    contactTimeline: 'contacts.contact.timeline',
  },
  scoring: {
    scoreGet: 'scoring.score.get',
    scoreExport: 'scoring.score.export',
    erasureStep: 'scoring.erasure.step',
    /** The highest scores of live contacts (soft-deleted ones leave it). */
    leaderboard: 'scoring.score.leaderboard',
    /** Score and stage changes of a contact, newest first, before an instant. */
    contactTimeline: 'scoring.contact.timeline',
    rulesList: 'scoring.rules.list',
    ruleCreate: 'scoring.rules.create',
    rulePatch: 'scoring.rules.patch',
    ruleDelete: 'scoring.rules.delete',
    stagesGet: 'scoring.stages.get',
    stagesPut: 'scoring.stages.put',
    recomputeStart: 'scoring.recompute.start',
    recomputeGet: 'scoring.recompute.get',
    contactInsights: 'scoring.contact.insights',
    automationList: 'scoring.automation.list',
    automationGet: 'scoring.automation.get',
    automationCreate: 'scoring.automation.create',
    automationPatch: 'scoring.automation.patch',
    automationDelete: 'scoring.automation.delete',
    /** An automation's runs, newest first, in cursor pages. */
    automationRuns: 'scoring.automation.runs',
    /** Runs an automation for the contacts that already match, as a background job; and its progress. */
    automationBackfillStart: 'scoring.automation.backfill_start',
    automationBackfillGet: 'scoring.automation.backfill_get',
  },
  metrics: {
    leadsSummary: 'metrics.leads.summary',
    leadsDaily: 'metrics.leads.daily',
    leadsWeekly: 'metrics.leads.weekly',
    dealsPipelineValue: 'metrics.deals.pipeline_value',
    dealsClosedDaily: 'metrics.deals.closed_daily',
    dealsFunnel: 'metrics.deals.funnel',
    erasureStep: 'metrics.erasure.step',
    /** Contacts created, deleted and restored per UTC day. */
    contactsDaily: 'metrics.contacts.daily',
    /** Activities per day and name, stage entries and the stage funnel per UTC day. */
    activityDaily: 'metrics.activity.daily',
  },
} as const;

/** Domain event types; each is also the JetStream subject it is published on. */
export const EventTypes = {
  leadIngested: 'lead.ingested',
  leadAttributed: 'lead.attributed',
  activityReceived: 'activity.received',
  activityAttributed: 'activity.attributed',
  contactCreated: 'contact.created',
  /**
   * A contact made from a lead: the data of a `contact.created`, naming the lead. A subject of its
   * own, so that the consumers that take such contacts from the lead's `lead.attributed` (metrics;
   * scoring, unless an automation is triggered by it) are not delivered it; outbound webhooks give
   * it as `contact.created`.
   */
  contactCreatedFromLead: 'contact.created_from_lead',
  contactUpdated: 'contact.updated',
  contactMerged: 'contact.merged',
  contactDeleted: 'contact.deleted',
  contactRestored: 'contact.restored',
  contactErased: 'contact.erased',
  opportunityCreated: 'opportunity.created',
  opportunityUpdated: 'opportunity.updated',
  opportunityWon: 'opportunity.won',
  opportunityLost: 'opportunity.lost',
  scoreChanged: 'score.changed',
  stageChanged: 'stage.changed',
  leadConverted: 'lead.converted',
  /** Ingestion stored a CRM webhook and read it into a canonical CRM event, for contacts to apply. */
  crmEventReceived: 'crm_event.received',
  /** Contacts applied (or skipped, or failed) a CRM event; ingestion keeps its status. */
  crmEventProcessed: 'crm_event.processed',
  /** An automation's webhook action: the gateway delivers it to the endpoint. */
  automationWebhookRequested: 'automation.webhook_requested',
  /** An automation's contact actions (owner, tags, lifecycle): contacts applies them. */
  automationContactChangeRequested: 'automation.contact_change_requested',
  /** An automation ran for one occurrence of its trigger (or was held back by its cooldown). */
  automationRunCompleted: 'automation.run_completed',
  /** The gateway disabled a webhook endpoint (it answered 410, or failed without a success for too long). */
  endpointDisabled: 'endpoint.disabled',
} as const;
export type EventType = (typeof EventTypes)[keyof typeof EventTypes];

export interface StreamDefinition {
  /** Stream name before the deployment's namespace is applied. */
  readonly name: string;
  /** The app that publishes to it (through its outbox). */
  readonly owner: ServiceName;
  readonly subjects: readonly EventType[];
}

/** One JetStream stream per owning app. */
export const Streams = {
  ingestion: {
    name: 'INGESTION',
    owner: 'ingestion',
    subjects: [EventTypes.leadIngested, EventTypes.activityReceived, EventTypes.crmEventReceived],
  },
  contacts: {
    name: 'CONTACTS',
    owner: 'contacts',
    subjects: [
      EventTypes.leadAttributed,
      EventTypes.activityAttributed,
      EventTypes.contactCreated,
      EventTypes.contactCreatedFromLead,
      EventTypes.contactUpdated,
      EventTypes.contactMerged,
      EventTypes.contactDeleted,
      EventTypes.contactRestored,
      EventTypes.contactErased,
      EventTypes.opportunityCreated,
      EventTypes.opportunityUpdated,
      EventTypes.opportunityWon,
      EventTypes.opportunityLost,
      EventTypes.leadConverted,
      EventTypes.crmEventProcessed,
    ],
  },
  scoring: {
    name: 'SCORING',
    owner: 'scoring',
    subjects: [
      EventTypes.scoreChanged,
      EventTypes.stageChanged,
      EventTypes.automationWebhookRequested,
      EventTypes.automationContactChangeRequested,
      EventTypes.automationRunCompleted,
    ],
  },
  gateway: {
    name: 'GATEWAY',
    owner: 'gateway',
    subjects: [EventTypes.endpointDisabled],
  },
} as const satisfies Record<string, StreamDefinition>;

export function streamOf(type: EventType): StreamDefinition {
  const found = Object.values(Streams).find((s) => (s.subjects as readonly EventType[]).includes(type));
  if (!found) throw new Error(`event type ${type} belongs to no stream`);
  return found;
}

/**
 * Who talks to whom, the ground truth for each app's NATS permissions: the apps whose
 * request/reply subjects an app may call, and the event types an app consumes (each through a
 * durable consumer of its own, `eventConsumerName`). An app that calls or consumes anything not
 * listed here is refused by NATS (see `natsPermissions` in messaging).
 */
export const Conversations = {
  rpcCalls: {
    // The platform status asks every app, the gateway included, over NATS.
    gateway: ['gateway', 'ingestion', 'contacts', 'scoring', 'metrics'],
    ingestion: [],
    contacts: [],
    scoring: [],
    metrics: [],
  } satisfies Record<ServiceName, readonly ServiceName[]>,
  consumes: {
    // contact.erased for the audit log; the public events (and automations' webhook actions) for webhook deliveries;
    // lead.converted for intake keys' postbacks.
    gateway: [
      EventTypes.contactErased,
      EventTypes.leadIngested,
      EventTypes.contactCreated,
      EventTypes.contactCreatedFromLead,
      EventTypes.contactUpdated,
      EventTypes.contactMerged,
      EventTypes.contactDeleted,
      EventTypes.contactRestored,
      EventTypes.opportunityCreated,
      EventTypes.opportunityUpdated,
      EventTypes.opportunityWon,
      EventTypes.opportunityLost,
      EventTypes.scoreChanged,
      EventTypes.stageChanged,
      EventTypes.automationWebhookRequested,
      EventTypes.automationRunCompleted,
      EventTypes.endpointDisabled,
      EventTypes.leadConverted,
    ],
    ingestion: [EventTypes.contactErased, EventTypes.crmEventProcessed],
    contacts: [
      EventTypes.leadIngested,
      EventTypes.stageChanged,
      EventTypes.activityReceived,
      EventTypes.crmEventReceived,
      EventTypes.automationContactChangeRequested,
    ],
    scoring: [
      EventTypes.leadAttributed,
      EventTypes.activityAttributed,
      EventTypes.contactMerged,
      EventTypes.contactErased,
      EventTypes.contactDeleted,
      EventTypes.contactRestored,
      // Automations: their triggers, and the contact fields their conditions test. Scoring's own
      // stage and score changes trigger automations in the transaction that makes them. A contact
      // made from a lead only while some workspace has an automation it triggers (on demand).
      EventTypes.contactCreated,
      EventTypes.contactCreatedFromLead,
      EventTypes.contactUpdated,
      EventTypes.opportunityWon,
      EventTypes.opportunityLost,
    ],
    metrics: [
      EventTypes.leadAttributed,
      EventTypes.stageChanged,
      EventTypes.opportunityCreated,
      EventTypes.opportunityUpdated,
      EventTypes.opportunityWon,
      EventTypes.opportunityLost,
      EventTypes.leadConverted,
      EventTypes.contactErased,
      EventTypes.contactCreated,
      EventTypes.contactDeleted,
      EventTypes.contactRestored,
      EventTypes.activityAttributed,
    ],
  } satisfies Record<ServiceName, readonly EventType[]>,
  /**
   * Event types an app consumed in earlier releases and no longer does: at start it deletes its
   * durables for them, which would otherwise keep their messages' state on the stream for no one.
   */
  retired: {
    gateway: [],
    ingestion: [],
    contacts: [],
    // Its automations now run on its own stage and score changes in the transaction that makes them.
    scoring: [EventTypes.stageChanged, EventTypes.scoreChanged],
    // It counts leads from lead.attributed.
    metrics: [EventTypes.leadIngested],
  } satisfies Record<ServiceName, readonly EventType[]>,
} as const;

/**
 * The durable consumer through which `service` receives events of `type` (before the namespace is
 * applied): one per (app, type), filtered on the type's subject, so that an app is delivered only
 * what it handles and each type flows on its own.
 */
export function eventConsumerName(service: ServiceName, type: EventType): string {
  return `${service}-${type.replace('.', '-')}`;
}

/** The streams `service` consumes, each with the event types it takes from it. */
export function consumedStreams(service: ServiceName): Array<{ stream: StreamDefinition; types: EventType[] }> {
  const byStream = new Map<StreamDefinition, EventType[]>();
  for (const type of Conversations.consumes[service] as readonly EventType[]) {
    const stream = streamOf(type);
    byStream.set(stream, [...(byStream.get(stream) ?? []), type]);
  }
  return [...byStream].map(([stream, types]) => ({ stream, types }));
}

/** The stream an app publishes its events to, if it has one. */
export function ownStream(service: ServiceName): StreamDefinition | undefined {
  return Object.values(Streams).find((stream) => stream.owner === service);
}
