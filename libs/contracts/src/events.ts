import {
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  isISO8601,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  Min,
  ValidateBy,
  ValidateIf,
} from 'class-validator';
import { STAGES, type Stage } from './scoring';
import { type EventType, EventTypes } from './subjects';

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
      validate: (value: unknown) => typeof value === 'string' && DATE_AND_TIME.test(value) && isISO8601(value, { strict: true }),
      defaultMessage: () => '$property must be an ISO 8601 timestamp',
    },
  });

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
}

/** `activity.received`: ingestion stored an activity event. No app publishes it yet. */
export class ActivityReceivedData {
  @IsId()
  activityId!: string;

  @IsTimestamp()
  receivedAt!: string;
}

/** `activity.attributed`: contacts tied an activity to a contact. No app publishes it yet. */
export class ActivityAttributedData {
  @IsId()
  activityId!: string;

  @IsUUID()
  contactId!: string;

  @IsTimestamp()
  occurredAt!: string;
}

/** `contact.created` / `contact.updated`. */
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
}

/** `contact.merged`: `mergedId` was folded into `survivorId` (the older contact). */
export class ContactMergedData {
  @IsUUID()
  survivorId!: string;

  @IsUUID()
  mergedId!: string;
}

/** `contact.erased` (and the base of `contact.deleted`): the contact is gone (erased: with its personal data). */
export class ContactRemovedData {
  @IsUUID()
  contactId!: string;
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

/** `opportunity.created|updated|won|lost`. No app publishes them yet. */
export class OpportunityChangedData {
  @IsUUID()
  opportunityId!: string;

  @IsUUID()
  contactId!: string;
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
}

/** The class of each event type's data: the one place that ties a type to its shape. */
export const EventDataClasses = {
  [EventTypes.leadIngested]: LeadIngestedData,
  [EventTypes.leadAttributed]: LeadAttributedData,
  [EventTypes.activityReceived]: ActivityReceivedData,
  [EventTypes.activityAttributed]: ActivityAttributedData,
  [EventTypes.contactCreated]: ContactChangedData,
  [EventTypes.contactUpdated]: ContactChangedData,
  [EventTypes.contactMerged]: ContactMergedData,
  [EventTypes.contactDeleted]: ContactDeletedData,
  [EventTypes.contactRestored]: ContactRestoredData,
  [EventTypes.contactErased]: ContactRemovedData,
  [EventTypes.opportunityCreated]: OpportunityChangedData,
  [EventTypes.opportunityUpdated]: OpportunityChangedData,
  [EventTypes.opportunityWon]: OpportunityChangedData,
  [EventTypes.opportunityLost]: OpportunityChangedData,
  [EventTypes.scoreChanged]: ScoreChangedData,
  [EventTypes.stageChanged]: StageChangedData,
} as const satisfies Record<EventType, new () => object>;

/** The data of an event of type `T`. */
export type EventData<T extends EventType> = InstanceType<(typeof EventDataClasses)[T]>;
