import { ACTIVITY_KINDS, MAX_BATCH_EVENTS } from '@leadflow/contracts';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** OpenAPI shapes of the activity routes (their bodies are read raw and validated per event by ingestion). */
export class ActivityEventDoc {
  @ApiProperty({ enum: ACTIVITY_KINDS, example: 'track' }) type!: string;
  @ApiPropertyOptional({ example: 'demo_request', description: 'track: 1 to 64 letters, digits or _ . : -' }) event?: string;
  @ApiPropertyOptional({ description: 'Idempotency key per workspace (or eventId); without either, a hash of the event' })
  messageId?: string;
  @ApiPropertyOptional() eventId?: string;
  @ApiPropertyOptional() anonymousId?: string;
  @ApiPropertyOptional() userId?: string;
  @ApiPropertyOptional({ example: 'ana@example.com' }) email?: string;
  @ApiPropertyOptional({ example: '+49 30 901820' }) phone?: string;
  @ApiPropertyOptional({ format: 'uuid' }) contactId?: string;
  @ApiPropertyOptional({ description: 'alias: the earlier id' }) previousId?: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'With traits, at most 32 KB and depth 5' })
  properties?: Record<string, unknown>;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) traits?: Record<string, unknown>;
  @ApiPropertyOptional({ format: 'date-time' }) timestamp?: string;
  @ApiPropertyOptional({ format: 'date-time' }) sentAt?: string;
}

export class EventBatchDoc {
  @ApiProperty({ type: [ActivityEventDoc], minItems: 1, maxItems: MAX_BATCH_EVENTS }) events!: ActivityEventDoc[];
}

export class SegmentBatchDoc {
  @ApiProperty({ type: [ActivityEventDoc], minItems: 1, maxItems: MAX_BATCH_EVENTS }) batch!: ActivityEventDoc[];
  @ApiPropertyOptional({ format: 'date-time', description: 'Applies to the calls that do not carry their own' }) sentAt?: string;
}

class ItemErrorDoc {
  @ApiProperty({ example: 'invalid_event', enum: ['invalid_event', 'missing_identifier', 'event_too_large'] }) code!: string;
  @ApiProperty() message!: string;
}

export class EventAccepted {
  @ApiProperty({ enum: ['accepted', 'duplicate'], description: 'duplicate: this messageId was stored before' }) status!:
    'accepted' | 'duplicate';
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() messageId!: string;
}

export class EventItemResult {
  @ApiProperty() index!: number;
  @ApiProperty({ enum: ['accepted', 'duplicate', 'rejected'] }) status!: 'accepted' | 'duplicate' | 'rejected';
  @ApiPropertyOptional({ format: 'uuid' }) id?: string;
  @ApiPropertyOptional() messageId?: string;
  @ApiPropertyOptional({ type: ItemErrorDoc }) error?: ItemErrorDoc;
}

export class EventBatchAccepted {
  @ApiProperty({ type: [EventItemResult] }) results!: EventItemResult[];
}

export class SegmentAccepted {
  @ApiProperty({ example: true }) success!: true;
}
