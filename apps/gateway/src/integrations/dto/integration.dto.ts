import {
  CRM_EVENT_STATUSES,
  type CrmEventStatus,
  type CrmEventView,
  type CrmIntegrationStatusView,
  type CrmStatusCounts,
  INTEGRATION_KINDS,
  type IntegrationKind,
  type StoredCrmBatchEvent,
} from '@leadflow/contracts';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsISO8601, IsOptional, IsString, Length, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import { PageDoc } from '../../http/page.dto';
import { PageQueryDto } from '../../http/page-query.dto';

const MAPPING_DESCRIPTION =
  'acme only: where a payload keeps what LeadFlow reads, as dot paths: ' +
  '{"type": "event", "externalId": "record.id", "updatedAt": "record.updated_at", "id"?: "delivery_id", "occurredAt"?: "sent_at", ' +
  '"types"?: {"ContactCreated": "contact.created"}, "fields": {"email": "record.email", "amount": "deal.value", "currency": "deal.cur"}}. ' +
  'Without one, payloads are read as {type, id, timestamp, data: {id, updatedAt, ...fields}}. 400 invalid_mapping when it does not check.';

export class CreateIntegrationDto {
  @ApiProperty({ example: 'AcmeCRM production', maxLength: 200 })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiProperty({ enum: INTEGRATION_KINDS, description: 'Sets the signature scheme and the payload shape' })
  @IsIn(INTEGRATION_KINDS)
  kind!: IntegrationKind;

  @ApiPropertyOptional({ minimum: 1, maximum: 86400, default: 300, description: 'How far a signed timestamp may be from now, in seconds' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(86400)
  toleranceSeconds?: number;

  @ApiPropertyOptional({ type: Object, nullable: true, description: MAPPING_DESCRIPTION })
  @IsOptional()
  mapping?: unknown;

  @ApiPropertyOptional({ default: false, description: 'Paused: webhooks are stored, not processed, until it is resumed' })
  @IsOptional()
  @IsBoolean()
  paused?: boolean;
}

export class UpdateIntegrationDto {
  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 86400 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(86400)
  toleranceSeconds?: number;

  @ApiPropertyOptional({ type: Object, nullable: true, description: `${MAPPING_DESCRIPTION} null removes it.` })
  @IsOptional()
  mapping?: unknown;

  @ApiPropertyOptional({ description: 'The same as POST …/pause or …/resume' })
  @IsOptional()
  @IsBoolean()
  paused?: boolean;
}

export class IntegrationSecretDoc {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Set on the older secret by a rotation' })
  expiresAt!: string | null;
}

export class IntegrationViewDoc {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: INTEGRATION_KINDS }) kind!: IntegrationKind;
  @ApiProperty({ example: 300 }) toleranceSeconds!: number;
  @ApiProperty({ type: Object, nullable: true }) mapping!: unknown;
  @ApiProperty() paused!: boolean;
  @ApiProperty({ example: 'https://api.example.com/api/v1/webhooks/0190a5b2-0000-7000-8000-000000000001' }) webhookUrl!: string;
  @ApiProperty({ type: [IntegrationSecretDoc], description: 'The secrets valid now (never their values)' })
  secrets!: IntegrationSecretDoc[];
  @ApiProperty() createdBy!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class IntegrationCreatedDoc extends IntegrationViewDoc {
  @ApiProperty({ description: 'The signing secret, shown this once' }) secret!: string;
}

export class SecretRotatedDoc {
  @ApiProperty({ type: IntegrationViewDoc }) integration!: IntegrationViewDoc;
  @ApiProperty({ description: 'The new signing secret, shown this once' }) secret!: string;
  @ApiProperty({ format: 'date-time', description: 'Until when the previous secrets keep working' }) previousExpireAt!: string;
}

export class IntegrationPage extends PageDoc(IntegrationViewDoc) {}

export class CrmEventsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: CRM_EVENT_STATUSES })
  @IsOptional()
  @IsIn(CRM_EVENT_STATUSES)
  status?: CrmEventStatus;

  @ApiPropertyOptional({ example: 'contact.updated' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  type?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Received at or after' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Received before' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;
}

export class ReplayEventsDto {
  @ApiProperty({ format: 'date-time', description: 'Received at or after' })
  @IsISO8601({ strict: true })
  from!: string;

  @ApiProperty({ format: 'date-time', description: 'Received before' })
  @IsISO8601({ strict: true })
  to!: string;

  @ApiPropertyOptional({ enum: CRM_EVENT_STATUSES })
  @ValidateIf((_object: object, value: unknown) => value !== undefined)
  @IsIn(CRM_EVENT_STATUSES)
  status?: CrmEventStatus;
}

export class CrmEventViewDoc implements CrmEventView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) integrationId!: string;
  @ApiProperty({ format: 'date-time' }) receivedAt!: string;
  @ApiProperty({ format: 'date-time', description: 'The record’s updatedAt in the CRM (else the arrival): the event’s order' })
  eventAt!: string;
  @ApiProperty({ type: String, nullable: true, example: 'contact.updated' }) type!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The webhook’s own id' }) externalEventId!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The record’s id in the CRM' }) externalId!: string | null;
  @ApiProperty({ enum: CRM_EVENT_STATUSES }) status!: CrmEventStatus;
  @ApiProperty({ type: String, nullable: true, example: 'stale' }) reason!: string | null;
  @ApiProperty({ type: String, nullable: true }) error!: string | null;
  @ApiProperty() attempts!: number;
  @ApiProperty({ description: 'Failed for good after the last automatic attempt' }) deadLettered!: boolean;
  @ApiProperty({ description: 'Stored while paused, not handed on yet' }) held!: boolean;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) leadId!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) recordId!: string | null;
}

export class CrmEventPage extends PageDoc(CrmEventViewDoc) {}

export class ReplayedDoc {
  @ApiProperty() replayed!: number;
}

export class StatusCountsDoc implements CrmStatusCounts {
  @ApiProperty() received!: number;
  @ApiProperty() processed!: number;
  @ApiProperty() skipped!: number;
  @ApiProperty() failed!: number;
}

export class IntegrationStatusDoc implements CrmIntegrationStatusView {
  @ApiProperty({ format: 'uuid' }) integrationId!: string;
  @ApiProperty() paused!: boolean;
  @ApiProperty({ description: 'Seconds since the oldest event still waiting arrived (0: none waits)' }) lagSeconds!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastEventAt!: string | null;
  @ApiProperty({ type: StatusCountsDoc }) lastHour!: StatusCountsDoc;
  @ApiProperty({ type: StatusCountsDoc }) lastDay!: StatusCountsDoc;
  @ApiProperty({ description: 'Webhooks refused (signature, timestamp) in the last day' }) rejectedLastDay!: number;
  @ApiProperty() deadLettered!: number;
}

export class WebhookBatchEventDoc implements StoredCrmBatchEvent {
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The item’s event (the first one, for a replay)' })
  eventId!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The item’s id in the CRM (HubSpot’s eventId): its replay key' })
  externalEventId!: string | null;
  @ApiProperty({ description: 'This eventId was received before: nothing is done again' }) replayed!: boolean;
  @ApiProperty({ type: String, nullable: true, description: 'Why the item could not be read (stored as failed)' })
  error!: string | null;
}

export class WebhookAcceptedDoc {
  @ApiProperty({ example: true }) ok!: boolean;
  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'The stored event (the first one, for a replay; a batch’s first item’s)',
  })
  eventId!: string | null;
  @ApiProperty({ description: 'The same webhook id (a batch: every item) was received before: nothing is done again' })
  replayed!: boolean;
  @ApiPropertyOptional({ type: [WebhookBatchEventDoc], description: 'A HubSpot batch: each item’s event, in request order' })
  events?: WebhookBatchEventDoc[];
  @ApiPropertyOptional({ description: 'A batch: items stored now (failed ones included)' }) stored?: number;
  @ApiPropertyOptional({ description: 'A batch: items whose eventId was received before' }) replays?: number;
  @ApiPropertyOptional({ description: 'A batch: items stored now as failed (unreadable, or beyond 100)' }) failed?: number;
}
