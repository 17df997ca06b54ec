import {
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateIf,
} from 'class-validator';
import { AUTOMATION_RUN_OUTCOMES, type AutomationRunOutcome } from './automations';
import { LIFECYCLES, type Lifecycle } from './contacts';
import { CRM_EVENT_TYPES, type CrmEventStatus, type CrmEventType } from './crm';
import { isStrictIso8601 } from './iso-timestamp';
import { IsCurrencyCode, IsMinorUnits } from './money';
import type { OpportunityStatus } from './opportunities';
import { IDENTITY_HASH_PATTERN } from './privacy';
import { STAGES, type Stage } from './scoring';
import type { EventEnvelope } from './envelope';
import { type EventType, EventTypes } from './subjects';

/** `<integration id>:<CRM id>`; the CRM's ids are at most 256 characters, as ingestion reads them. */
const CRM_RECORD_KEY_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}:.{1,256}$/s;

/*
 * The data of each domain event, as a class that class-validator checks: the messaging library
 * validates every event it receives against its type's class before any handler runs, so handlers
 * can trust the types below. Fields a class does not declare are let through, so that a producer
 * can add one before its consumers know it.
 */

const MAX_ID_LENGTH = 128;

/** The value may be null, but the producer always sends the field. */
const Nullable = (): PropertyDecorator => ValidateIf((_object: object, value: unknown) => value !== null);

/** An id made by another app (a lead id): non-empty, at most 128 characters, no NUL (PostgreSQL text refuses it). */
const IsId = (): PropertyDecorator =>
  // eslint-disable-next-line no-control-regex -- NUL is exactly the character refused
  Matches(/^[^\u0000]{1,128}$/, { message: `$property must be a non-empty id of at most ${MAX_ID_LENGTH} characters` });

/** A dimension reports are broken down by (source): ingestion takes at most 128 characters, consumers at most 255. */
const IsSource = (): PropertyDecorator => MaxLength(255, { message: '$property must be a string of at most 255 characters' });

// A date and a time of day; the zone may be Z, an offset or absent. A date alone is no timestamp.
const DATE_AND_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

/** ISO 8601 date and time, of a real date (strict mode refuses 2026-02-30). */
const IsTimestamp = (): PropertyDecorator =>
  ValidateBy({
    name: 'isTimestamp',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && DATE_AND_TIME.test(value) && isStrictIso8601(value),
      defaultMessage: () => '$property must be an ISO 8601 timestamp',
    },
  });

const OPPORTUNITY_STATUSES: readonly OpportunityStatus[] = ['open', 'won', 'lost'];

const IsStage = (): PropertyDecorator => IsIn(STAGES, { message: `$property must be one of ${STAGES.join(', ')}` });

/** `lead.ingested`: a lead was stored by ingestion. */
export class LeadIngestedData {
  @IsId()
  leadId!: string;

  @IsSource()
  source!: string;

  @IsTimestamp()
  receivedAt!: string;

  /** Normalized (lower-cased), valid or not: `emailValid` tells. */
  @Nullable()
  @IsString()
  email!: string | null;

  @IsBoolean()
  emailValid!: boolean;

  /** E.164 when it could be parsed, else as received: `phoneValid` tells. */
  @Nullable()
  @IsString()
  phone!: string | null;

  @IsBoolean()
  phoneValid!: boolean;

  @Nullable()
  @IsString()
  country!: string | null;

  @Nullable()
  @IsString()
  offer!: string | null;

  @Nullable()
  @IsString()
  firstName!: string | null;

  @Nullable()
  @IsString()
  lastName!: string | null;

  /** The sender's click id, as sent (absent from events stored before it was carried). */
  @IsOptional()
  @IsString()
  clickId?: string | null;
}

/** `lead.attributed`: contacts tied a lead to a contact. */
export class LeadAttributedData {
  @IsId()
  leadId!: string;

  @IsUUID()
  contactId!: string;

  @IsBoolean()
  isNewContact!: boolean;

  @IsSource()
  source!: string;

  @Nullable()
  @IsString()
  offer!: string | null;

  @Nullable()
  @IsString()
  country!: string | null;

  @IsTimestamp()
  receivedAt!: string;

  @IsBoolean()
  emailValid!: boolean;

  @IsBoolean()
  phoneValid!: boolean;

  /**
   * When this lead made its contact (`isNewContact`): the id of the `contact.created_from_lead` that
   * announced the contact, which names this lead (`leadId`). A consumer that counts or keeps new
   * contacts takes them from this event and need not consume that one (absent from events of earlier
   * releases, whose `contact.created` named no lead; releases in between announced such a contact
   * with a `contact.created` naming the lead).
   */
  @IsOptional()
  @IsUUID()
  contactCreatedEventId?: string;
}

/** The kinds of activity event a tracker sends (Segment's calls of the same names). */
export const ACTIVITY_KINDS = ['track', 'identify', 'page', 'alias'] as const;
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];

/** How an activity's time was judged: kept as sent, but flagged when implausible. */
export const ACTIVITY_TIME_FLAGS = ['future', 'past'] as const;
export type ActivityTimeFlag = (typeof ACTIVITY_TIME_FLAGS)[number];

/**
 * `activity.received`: ingestion stored an activity event (`POST /api/v1/events`, its batch, or the
 * Segment-compatible `/v1/*` routes), raw and normalized, in the transaction that acknowledged it.
 * Contacts attributes it to a contact, known or anonymous.
 */
export class ActivityReceivedData {
  /** Ingestion's id of the stored activity (uuid v7). */
  @IsUUID()
  activityId!: string;

  /** The sender's `eventId` or `messageId`: unique per workspace, the idempotency key. */
  @IsId()
  messageId!: string;

  @IsIn(ACTIVITY_KINDS)
  kind!: ActivityKind;

  /**
   * What scoring rules match on: the `event` of a `track`; `page_view` for a `page`; `identify`
   * and `alias` for those calls.
   */
  @Matches(/^[A-Za-z0-9_.:-]{1,64}$/)
  name!: string;

  @Nullable()
  @IsId()
  anonymousId!: string | null;

  /** The sender's own id of the person (an external id per workspace). */
  @Nullable()
  @IsId()
  userId!: string | null;

  /** `alias`: the earlier id (anonymous or user id) the new `userId` stands for. */
  @Nullable()
  @IsId()
  previousId!: string | null;

  /** Normalized (lower-cased), valid or not: `emailValid` tells. */
  @Nullable()
  @IsString()
  email!: string | null;

  @IsBoolean()
  emailValid!: boolean;

  /** E.164 when it could be parsed, else as received: `phoneValid` tells. */
  @Nullable()
  @IsString()
  phone!: string | null;

  @IsBoolean()
  phoneValid!: boolean;

  /** A LeadFlow contact id the sender already knows. */
  @Nullable()
  @IsUUID()
  contactId!: string | null;

  /** `properties` of a track or page call: a JSON object, at most 32 KB and depth 5 together with traits. */
  @IsObject()
  properties!: Record<string, unknown>;

  /** `traits` of an identify call (or `context.traits`): a JSON object. */
  @IsObject()
  traits!: Record<string, unknown>;

  /** When it happened: `receivedAt − (sentAt − timestamp)` when both were sent, else `timestamp`, else `receivedAt`. */
  @IsTimestamp()
  occurredAt!: string;

  @IsTimestamp()
  receivedAt!: string;

  /** `future`: more than 24 h ahead of receipt; `past`: more than 2 years before it. */
  @Nullable()
  @IsIn(ACTIVITY_TIME_FLAGS)
  timeFlag!: ActivityTimeFlag | null;

  /** The API key's name or `segment`: the dimension reports break activities down by. */
  @IsSource()
  source!: string;
}

/**
 * `activity.attributed`: contacts tied an activity to a contact (created as an anonymous profile
 * when nothing identified the sender). Scoring scores it; metrics counts it.
 */
export class ActivityAttributedData {
  @IsUUID()
  activityId!: string;

  @IsId()
  messageId!: string;

  @IsUUID()
  contactId!: string;

  @IsIn(ACTIVITY_KINDS)
  kind!: ActivityKind;

  @Matches(/^[A-Za-z0-9_.:-]{1,64}$/)
  name!: string;

  @IsObject()
  properties!: Record<string, unknown>;

  @IsObject()
  traits!: Record<string, unknown>;

  @IsTimestamp()
  occurredAt!: string;

  @IsTimestamp()
  receivedAt!: string;

  @IsSource()
  source!: string;

  /** The contact is an anonymous profile (no email, phone or user id yet). */
  @IsBoolean()
  anonymous!: boolean;

  /** The event carried a valid email (normalized by ingestion): a fit fact, as a lead's `emailValid`. */
  @IsBoolean()
  emailValid!: boolean;

  /** The event carried a valid E.164 phone: a fit fact, as a lead's `phoneValid`. */
  @IsBoolean()
  phoneValid!: boolean;
}

/** `contact.created`, `contact.created_from_lead` and `contact.updated`. */
export class ContactChangedData {
  @IsUUID()
  contactId!: string;

  @Nullable()
  @IsString()
  email!: string | null;

  @Nullable()
  @IsString()
  phone!: string | null;

  @Nullable()
  @IsString()
  firstName!: string | null;

  @Nullable()
  @IsString()
  lastName!: string | null;

  @Nullable()
  @IsString()
  country!: string | null;

  /** The contact's version after the change (records since contacts became editable). */
  @IsOptional()
  @IsInt()
  @Min(1)
  version?: number;

  @IsOptional()
  @Nullable()
  @IsString()
  company?: string | null;

  @IsOptional()
  @Nullable()
  @IsString()
  title?: string | null;

  @IsOptional()
  @Nullable()
  @IsString()
  ownerId?: string | null;

  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  tags?: string[];

  @IsOptional()
  @IsString()
  lifecycle?: string;

  /** Who changed it: `account:<id>` or `key:<id>`; null for the pipeline (leads, merges). */
  @IsOptional()
  @Nullable()
  @IsString()
  actor?: string | null;

  /**
   * `contact.created_from_lead`: the lead that made the contact, whose `lead.attributed` (with
   * `isNewContact` and `contactCreatedEventId`) is written in the same transaction. (Earlier
   * releases announced such a contact with a `contact.created` naming the lead.)
   */
  @IsOptional()
  @IsId()
  leadId?: string;
}

/** `contact.merged`: `mergedId` was folded into `survivorId` (the older contact). */
export class ContactMergedData {
  @IsUUID()
  survivorId!: string;

  @IsUUID()
  mergedId!: string;
}

/** The base of `contact.deleted`: the contact is gone. */
export class ContactRemovedData {
  @IsUUID()
  contactId!: string;
}

/**
 * `contact.erased`: contacts erased a person (GDPR); every app redacts what it holds of them and
 * records a step of `erasureId`. Identities travel as hashes only (sha256 of `<kind>:<value>`),
 * never the clear email or phone.
 */
export class ContactErasedData {
  @IsUUID()
  contactId!: string;

  @IsUUID()
  erasureId!: string;

  /** Contacts merged into this one earlier: the same person. */
  @IsArray()
  @IsUUID('all', { each: true })
  mergedContactIds!: string[];

  /** The leads attributed to the contact (and to those merged into it). */
  @IsArray()
  @IsUUID('all', { each: true })
  leadIds!: string[];

  /** `identityHash('email', …)` of each email erased. */
  @IsArray()
  @Matches(IDENTITY_HASH_PATTERN, { each: true, message: '$property must hold sha256 hashes in lower-case hex' })
  emailHashes!: string[];

  /** `identityHash('phone', …)` of each phone erased. */
  @IsArray()
  @Matches(IDENTITY_HASH_PATTERN, { each: true, message: '$property must hold sha256 hashes in lower-case hex' })
  phoneHashes!: string[];

  /**
   * sha256 of `anonymous_id:<id>` for each tracker visitor id of the person, so that activities
   * naming them by that id alone are erased too. Absent from older producers.
   */
  @IsOptional()
  @IsArray()
  @Matches(IDENTITY_HASH_PATTERN, { each: true, message: '$property must hold sha256 hashes in lower-case hex' })
  anonymousIdHashes?: string[];

  /** sha256 of `user_id:<id>` for each of the sender's own user ids of the person. Absent from older producers. */
  @IsOptional()
  @IsArray()
  @Matches(IDENTITY_HASH_PATTERN, { each: true, message: '$property must hold sha256 hashes in lower-case hex' })
  userIdHashes?: string[];

  /**
   * The CRM contact records that are the person, each `<integration id>:<the CRM's id>` (see
   * `crmRecordKey`), so that CRM events naming them by that id alone (an update without email or
   * phone, a person with no lead) are erased too. Absent from older producers.
   */
  @IsOptional()
  @IsArray()
  @Matches(CRM_RECORD_KEY_PATTERN, { each: true, message: '$property must hold "<integration id>:<CRM id>" keys' })
  crmContactRecords?: string[];
}

/** `<integration id>:<the CRM's own id of the record>`: a CRM record in an event. */
export function crmRecordKey(integrationId: string, externalId: string): string {
  return `${integrationId.toLowerCase()}:${externalId}`;
}

/** The integration id and the CRM's id of a `crmRecordKey`. */
export function parseCrmRecordKey(key: string): { integrationId: string; externalId: string } {
  return { integrationId: key.slice(0, 36), externalId: key.slice(37) };
}

/** `contact.deleted`: an admin soft-deleted the contact; it keeps its data and identities and may be restored. */
export class ContactDeletedData extends ContactRemovedData {
  /** The contact's version after the deletion: of a deletion and a restore, the higher version is the later. */
  @IsInt()
  @Min(1)
  version!: number;

  @IsTimestamp()
  deletedAt!: string;

  @Nullable()
  @IsString()
  actor!: string | null;
}

/** `contact.restored`: a soft-deleted contact is live again. */
export class ContactRestoredData {
  @IsUUID()
  contactId!: string;

  /** The contact's version after the restore. */
  @IsInt()
  @Min(1)
  version!: number;

  @Nullable()
  @IsString()
  actor!: string | null;
}

/**
 * `opportunity.created|updated|won|lost`: the opportunity as it is after the change, with the
 * version the change made, so that a consumer keeps the newest state whatever order events arrive
 * in. `won` / `lost` are published beside `updated` when the change closed it so.
 */
export class OpportunityChangedData {
  @IsUUID()
  opportunityId!: string;

  @IsUUID()
  contactId!: string;

  /** The opportunity's version after this change: 1 when created, one more per write. */
  @IsInt()
  @Min(1)
  version!: number;

  @Nullable()
  @IsUUID()
  leadId!: string | null;

  /** The lead the opportunity is counted under in funnels: its own, or its contact's first lead. */
  @Nullable()
  @IsUUID()
  originLeadId!: string | null;

  @IsUUID()
  pipelineId!: string;

  @IsString()
  stage!: string;

  /** The stage before this change; null when the stage did not change (or on creation). */
  @Nullable()
  @IsString()
  fromStage!: string | null;

  @IsIn(OPPORTUNITY_STATUSES)
  status!: OpportunityStatus;

  /** Minor units as a string: no JSON number holds 19 digits. */
  @IsMinorUnits()
  amount!: string;

  @IsCurrencyCode()
  currency!: string;

  @IsInt()
  @Min(0)
  @Max(100)
  probability!: number;

  @Nullable()
  @IsTimestamp()
  closedAt!: string | null;

  /** True once the opportunity is deleted: it leaves every report. */
  @IsBoolean()
  deleted!: boolean;

  @IsTimestamp()
  at!: string;
}

/** `lead.converted`: a lead became a contact (lifecycle `contact`), optionally with an opportunity. */
export class LeadConvertedData {
  @IsUUID()
  leadId!: string;

  @IsUUID()
  contactId!: string;

  @Nullable()
  @IsUUID()
  opportunityId!: string | null;

  @IsSource()
  source!: string;

  @Nullable()
  @IsString()
  offer!: string | null;

  @IsTimestamp()
  convertedAt!: string;
}

/** `score.changed`. */
export class ScoreChangedData {
  @IsUUID()
  contactId!: string;

  @IsInt()
  score!: number;

  @IsInt()
  previousScore!: number;

  @IsStage()
  stage!: Stage;

  /** The activity that caused the change; null for a recomputation after a merge. */
  @Nullable()
  @IsId()
  activityId!: string | null;
}

/** `stage.changed`: the dimensions are those of the activity that moved the contact. */
export class StageChangedData {
  @IsUUID()
  contactId!: string;

  /** Null for a contact's first stage. */
  @Nullable()
  @IsStage()
  from!: Stage | null;

  @IsStage()
  to!: Stage;

  @IsTimestamp()
  at!: string;

  @IsSource()
  source!: string;

  @Nullable()
  @IsString()
  offer!: string | null;

  @Nullable()
  @IsString()
  country!: string | null;

  /**
   * The activity that moved the contact (a lead's id for a lead), null for a change without one (a
   * merge, a recompute); absent from events published before it was carried.
   */
  @IsOptional()
  @IsString()
  activityId?: string | null;
}

/** `crm_event.received`: ingestion stored a CRM webhook and read it; contacts applies it. */
export class CrmEventReceivedData {
  /** The event's id in ingestion's CRM event log. */
  @IsUUID()
  crmEventId!: string;

  @IsUUID()
  integrationId!: string;

  @IsIn(CRM_EVENT_TYPES, { message: `$property must be one of ${CRM_EVENT_TYPES.join(', ')}` })
  type!: CrmEventType;

  /** The record's id in the CRM. */
  @IsId()
  externalId!: string;

  /** The record's time in the CRM: events of one record apply in this order, an older one is stale. */
  @IsTimestamp()
  sourceUpdatedAt!: string;

  /** 1 for the first delivery to contacts, then one more for each retry or replay. */
  @IsInt()
  @Min(1)
  attempt!: number;

  @IsObject()
  fields!: Record<string, unknown>;

  /** For `lead.*` events: the lead ingestion stored for this CRM lead (its id in LeadFlow). */
  @IsOptional()
  @Nullable()
  @IsUUID()
  leadId?: string | null;
}

/** `crm_event.processed`: what contacts did with a `crm_event.received`. */
export class CrmEventProcessedData {
  @IsUUID()
  crmEventId!: string;

  @IsUUID()
  integrationId!: string;

  @IsInt()
  @Min(1)
  attempt!: number;

  @IsIn(['processed', 'skipped', 'failed'], { message: '$property must be processed, skipped or failed' })
  status!: Exclude<CrmEventStatus, 'received'>;

  /** Why it was skipped (`stale`, `duplicate`, `unsupported_type`); null otherwise. */
  @Nullable()
  @IsString()
  reason!: string | null;

  /** What went wrong, in words an admin can act on; null unless failed. */
  @Nullable()
  @IsString()
  @MaxLength(1000)
  error!: string | null;

  /** True when trying again later may succeed (a contact not known yet); false for bad data. */
  @IsBoolean()
  retryable!: boolean;

  /** The contact or opportunity the event created or changed; null when none. */
  @Nullable()
  @IsUUID()
  recordId!: string | null;
}

/** `endpoint.disabled` (gateway): a webhook endpoint stopped receiving deliveries. */
export class EndpointDisabledData {
  @IsUUID()
  endpointId!: string;

  @IsString()
  url!: string;

  /** `gone` (it answered 410) or `failing` (no success for the configured time, 5 days by default). */
  @IsIn(['gone', 'failing'])
  reason!: 'gone' | 'failing';

  /** Since when its attempts have been failing, without a success in between. */
  @Nullable()
  @IsTimestamp()
  failingSince!: string | null;

  @IsTimestamp()
  disabledAt!: string;
}

/**
 * `automation.webhook_requested`: an automation's webhook action, for the gateway to deliver to the
 * endpoint. `payload` is the body's data: the automation, the trigger and the triggering event's data.
 */
export class AutomationWebhookRequestedData {
  @IsUUID()
  automationId!: string;

  @IsUUID()
  runId!: string;

  @IsUUID()
  endpointId!: string;

  @Nullable()
  @IsUUID()
  contactId!: string | null;

  @IsString()
  trigger!: string;

  @IsTimestamp()
  occurredAt!: string;

  @IsObject()
  payload!: Record<string, unknown>;
}

/** `automation.contact_change_requested`: an automation's owner, tag and lifecycle actions, for contacts to apply. */
export class AutomationContactChangeRequestedData {
  @IsUUID()
  automationId!: string;

  @IsUUID()
  runId!: string;

  @IsUUID()
  contactId!: string;

  @IsOptional()
  @IsString()
  @MaxLength(MAX_ID_LENGTH)
  ownerId?: string;

  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  addTags?: string[];

  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  removeTags?: string[];

  @IsOptional()
  @IsIn(LIFECYCLES)
  lifecycle?: Lifecycle;
}

/** `automation.run_completed`: an automation ran for one occurrence of its trigger. */
export class AutomationRunCompletedData {
  @IsUUID()
  automationId!: string;

  @IsUUID()
  runId!: string;

  @Nullable()
  @IsUUID()
  contactId!: string | null;

  @IsString()
  trigger!: string;

  @IsString()
  occurrenceId!: string;

  /** The types of the actions requested (none when the cooldown held the run back). */
  @IsArray()
  @IsString({ each: true })
  actions!: string[];

  @IsIn(AUTOMATION_RUN_OUTCOMES)
  outcome!: AutomationRunOutcome;
}

/** The class of each event type's data: the one place that ties a type to its shape. */
export const EventDataClasses = {
  [EventTypes.leadIngested]: LeadIngestedData,
  [EventTypes.leadAttributed]: LeadAttributedData,
  [EventTypes.activityReceived]: ActivityReceivedData,
  [EventTypes.activityAttributed]: ActivityAttributedData,
  [EventTypes.contactCreated]: ContactChangedData,
  [EventTypes.contactCreatedFromLead]: ContactChangedData,
  [EventTypes.contactUpdated]: ContactChangedData,
  [EventTypes.contactMerged]: ContactMergedData,
  [EventTypes.contactDeleted]: ContactDeletedData,
  [EventTypes.contactRestored]: ContactRestoredData,
  [EventTypes.contactErased]: ContactErasedData,
  [EventTypes.opportunityCreated]: OpportunityChangedData,
  [EventTypes.opportunityUpdated]: OpportunityChangedData,
  [EventTypes.opportunityWon]: OpportunityChangedData,
  [EventTypes.opportunityLost]: OpportunityChangedData,
  [EventTypes.scoreChanged]: ScoreChangedData,
  [EventTypes.stageChanged]: StageChangedData,
  [EventTypes.leadConverted]: LeadConvertedData,
  [EventTypes.crmEventReceived]: CrmEventReceivedData,
  [EventTypes.crmEventProcessed]: CrmEventProcessedData,
  [EventTypes.automationWebhookRequested]: AutomationWebhookRequestedData,
  [EventTypes.automationContactChangeRequested]: AutomationContactChangeRequestedData,
  [EventTypes.automationRunCompleted]: AutomationRunCompletedData,
  [EventTypes.endpointDisabled]: EndpointDisabledData,
} as const satisfies Record<EventType, new () => object>;

/**
 * Events of `contact.created_from_lead` as the `contact.created` they are to those who take every
 * new contact (webhook endpoints; automations, whose occurrence is `contact.created:<event id>`):
 * same id, same data.
 */
export function asContactCreated<TData extends object>(events: ReadonlyArray<EventEnvelope<TData>>): Array<EventEnvelope<TData>> {
  return events.map((event) => ({ ...event, type: EventTypes.contactCreated }));
}

/** The data of an event of type `T`. */
export type EventData<T extends EventType> = InstanceType<(typeof EventDataClasses)[T]>;
