import { WEBHOOK_EVENT_FAMILIES, WEBHOOK_EVENT_TYPES } from '@leadflow/contracts';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import { PageDoc } from '../../http/page.dto';
import { PageQueryDto } from '../../http/page-query.dto';

const EVENT_TYPES_DESCRIPTION =
  `Event types to receive: ${WEBHOOK_EVENT_TYPES.join(', ')}, or a family as ${WEBHOOK_EVENT_FAMILIES.map((f) => `${f}.*`).join(', ')}. ` +
  '400 unknown_event_type for anything else.';
const URL_DESCRIPTION =
  'http(s) URL the deliveries are POSTed to; 400 unsafe_webhook_url when it resolves to a loopback, link-local, private, ' +
  'unique-local, multicast or unspecified address (loopback and private allowed when the gateway allows private targets).';

export class CreateWebhookEndpointDto {
  @ApiProperty({ example: 'https://hooks.example.com/leadflow', maxLength: 2048, description: URL_DESCRIPTION })
  @IsString()
  @MaxLength(2048)
  url!: string;

  @ApiProperty({ type: [String], example: ['stage.changed', 'contact.*'], description: EVENT_TYPES_DESCRIPTION })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  eventTypes!: string[];

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ minimum: 1, maximum: 10000, description: 'Most attempts per second to this endpoint; none by default' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10000)
  rateLimitPerSecond?: number;

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;
}

export class UpdateWebhookEndpointDto {
  @ApiPropertyOptional({ maxLength: 2048, description: URL_DESCRIPTION })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  url?: string;

  @ApiPropertyOptional({ type: [String], description: EVENT_TYPES_DESCRIPTION })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  eventTypes?: string[];

  @ApiPropertyOptional({ description: 'Enabling a disabled endpoint clears its failure record' })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ type: Number, nullable: true, minimum: 1, maximum: 10000, description: 'null removes the limit' })
  @IsOptional()
  @ValidateIf((_object: object, value: unknown) => value !== null)
  @IsInt()
  @Min(1)
  @Max(10000)
  rateLimitPerSecond?: number | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 500 })
  @IsOptional()
  @ValidateIf((_object: object, value: unknown) => value !== null)
  @IsString()
  @MaxLength(500)
  description?: string | null;
}

export class WebhookSecretDoc {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Set on the older secret by a rotation' })
  expiresAt!: string | null;
}

export class WebhookEndpointViewDoc {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() url!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ type: [String] }) eventTypes!: string[];
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ type: Number, nullable: true }) rateLimitPerSecond!: number | null;
  @ApiProperty({ type: String, nullable: true, enum: ['gone', 'failing'], description: 'Why the gateway disabled it' })
  disabledReason!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) disabledAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Failing without a success since' })
  failingSince!: string | null;
  @ApiProperty({ type: [WebhookSecretDoc], description: 'The secrets that sign now (never their values)' })
  secrets!: WebhookSecretDoc[];
  @ApiProperty() createdBy!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class WebhookEndpointCreatedDoc extends WebhookEndpointViewDoc {
  @ApiProperty({
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    description: 'The signing secret (Standard Webhooks), shown this once',
  })
  secret!: string;
}

export class WebhookSecretRotatedDoc {
  @ApiProperty({ type: WebhookEndpointViewDoc }) endpoint!: WebhookEndpointViewDoc;
  @ApiProperty({ description: 'The new signing secret, shown this once' }) secret!: string;
  @ApiProperty({ format: 'date-time', description: 'Until when the previous secrets keep signing too' }) previousExpireAt!: string;
}

export class WebhookEndpointPage extends PageDoc(WebhookEndpointViewDoc) {}

export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const;

export class WebhookAttemptDoc {
  @ApiProperty({ example: 1 }) number!: number;
  @ApiProperty({ format: 'date-time' }) attemptedAt!: string;
  @ApiProperty({ type: Number, nullable: true, description: 'null when no answer came' }) statusCode!: number | null;
  @ApiProperty({ type: String, nullable: true, description: 'The first 1 KB of the answer' }) responseSnippet!: string | null;
  @ApiProperty() latencyMs!: number;
  @ApiProperty({ type: String, nullable: true }) error!: string | null;
  @ApiProperty() succeeded!: boolean;
}

export class WebhookDeliveryDoc {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ description: 'The webhook-id header: the event id (an automation run id, a test id)' }) messageId!: string;
  @ApiProperty({ example: 'stage.changed' }) eventType!: string;
  @ApiProperty({ enum: DELIVERY_STATUSES }) status!: (typeof DELIVERY_STATUSES)[number];
  @ApiProperty({ description: 'Attempts of every round' }) attempts!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) nextAttemptAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) lastError!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) completedAt!: string | null;
  @ApiProperty({ type: [WebhookAttemptDoc] }) attemptLog!: WebhookAttemptDoc[];
}

export class WebhookDeliveryPage extends PageDoc(WebhookDeliveryDoc) {}

export class DeliveriesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: DELIVERY_STATUSES })
  @IsOptional()
  @IsIn(DELIVERY_STATUSES)
  status?: (typeof DELIVERY_STATUSES)[number];
}

export class WebhookHealthDoc {
  @ApiProperty({ description: 'The window the rates cover, in hours' }) windowHours!: number;
  @ApiProperty() attempts!: number;
  @ApiProperty() succeeded!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'succeeded / attempts in the window; null without attempts' })
  successRate!: number | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastSuccessAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastFailureAt!: string | null;
  @ApiProperty({ description: 'Deliveries still on their way' }) pending!: number;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) failingSince!: string | null;
}

export class RecoverDeliveriesDto {
  @ApiProperty({ format: 'date-time', description: 'Deliveries made at or after' })
  @IsISO8601({ strict: true })
  since!: string;

  @ApiProperty({ format: 'date-time', description: 'Deliveries made before' })
  @IsISO8601({ strict: true })
  until!: string;
}

export class RecoveredDoc {
  @ApiProperty({ description: 'Failed deliveries queued again' }) requeued!: number;
}
