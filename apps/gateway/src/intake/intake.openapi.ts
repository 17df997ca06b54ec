import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** OpenAPI shapes of the intake routes. */
export class LeadPayloadDoc {
  @ApiPropertyOptional({ example: 'ana@example.com' }) email?: string;
  @ApiPropertyOptional({ example: '+49 30 901820' }) phone?: string;
  @ApiPropertyOptional({ example: 'Ana' }) firstName?: string;
  @ApiPropertyOptional({ example: 'Schmidt' }) lastName?: string;
  @ApiPropertyOptional({ example: 'DE', description: 'ISO code or English name' }) country?: string;
  @ApiPropertyOptional({ example: 'de' }) lang?: string;
  @ApiPropertyOptional({ example: '203.0.113.7' }) ip?: string;
  @ApiPropertyOptional({ example: 'summer-sale' }) offer?: string;
  @ApiPropertyOptional() click_id?: string;
  @ApiPropertyOptional() creo?: string;
  @ApiPropertyOptional() description?: string;
  @ApiPropertyOptional() domain?: string;
  @ApiPropertyOptional() marker?: string;
  @ApiPropertyOptional() sourcetype?: string;
}

export class LegacyLeadAccepted {
  @ApiProperty({ example: true }) ok!: true;
  @ApiProperty({ format: 'uuid' }) lead_id!: string;
  @ApiProperty({ description: 'true on a 409: the key and body were seen before' }) deduplicated!: boolean;
}

export class LegacyLeadError {
  @ApiProperty({ example: false }) ok!: false;
  @ApiProperty({
    example: 'invalid_payload',
    enum: [
      'invalid_payload',
      'invalid_idempotency_key',
      'payload_too_large',
      'unsupported_media_type',
      'idempotency_key_reused',
      'unavailable',
      'internal_error',
    ],
  })
  error!: string;
}

export class LeadAccepted {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'date-time' }) receivedAt!: string;
}

class BatchItemDoc {
  @ApiPropertyOptional({ maxLength: 255 }) idempotencyKey?: string;
  @ApiProperty({ type: LeadPayloadDoc }) lead!: LeadPayloadDoc;
}

export class BatchRequestDoc {
  @ApiProperty({ type: [BatchItemDoc], minItems: 1, maxItems: 500 }) leads!: BatchItemDoc[];
}

class BatchItemResultDoc {
  @ApiProperty() index!: number;
  @ApiProperty({ enum: [201, 400, 422] }) status!: number;
  @ApiPropertyOptional({ format: 'uuid' }) id?: string;
  @ApiPropertyOptional({ format: 'date-time' }) receivedAt?: string;
  @ApiPropertyOptional({ description: 'true when this key and body were stored before' }) replayed?: boolean;
  @ApiPropertyOptional({ example: { code: 'idempotency_key_reused', message: '...' } }) error?: { code: string; message: string };
}

export class BatchAccepted {
  @ApiProperty({ type: [BatchItemResultDoc] }) results!: BatchItemResultDoc[];
}
