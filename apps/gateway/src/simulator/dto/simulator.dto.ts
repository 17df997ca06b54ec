import { INTEGRATION_KINDS, type IntegrationKind } from '@leadflow/contracts';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsObject, IsOptional, IsString, IsUrl, IsUUID, Length, Matches, MaxLength } from 'class-validator';
import { PageDoc } from '../../http/page.dto';

export class SimulateWebhookDto {
  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Sign with this integration’s kind and newest secret; sent to its webhook URL unless targetUrl is given',
  })
  @IsOptional()
  @IsUUID()
  integrationId?: string;

  @ApiPropertyOptional({ example: 'https://staging.example.com/api/v1/webhooks/…', description: 'Where to deliver (http or https)' })
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  @MaxLength(2000)
  targetUrl?: string;

  @ApiPropertyOptional({ enum: INTEGRATION_KINDS, description: 'Without integrationId: the scheme to sign with (with secret)' })
  @IsOptional()
  @IsIn(INTEGRATION_KINDS)
  kind?: IntegrationKind;

  @ApiPropertyOptional({ description: 'Without integrationId: the secret to sign with; never stored' })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  secret?: string;

  @ApiProperty({ example: 'contact.updated', description: 'Any type: an unsupported one is stored and skipped by the receiver' })
  @IsString()
  @Matches(/^[A-Za-z][A-Za-z0-9_]{0,63}\.[A-Za-z][A-Za-z0-9_]{0,63}$/, { message: 'eventType must look like contact.updated' })
  eventType!: string;

  @ApiProperty({
    type: Object,
    example: { id: 'crm-contact-42', email: 'ana@example.com' },
    description: 'The record; id and updatedAt are filled in when absent',
  })
  @IsObject()
  data!: Record<string, unknown>;
}

export class SimulatedWebhookDoc {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) integrationId!: string | null;
  @ApiProperty({ enum: INTEGRATION_KINDS }) kind!: string;
  @ApiProperty() targetUrl!: string;
  @ApiProperty() eventType!: string;
  @ApiProperty({ description: 'The webhook id sent (header or payload)' }) webhookId!: string;
  @ApiProperty({ type: Object, description: 'The headers sent, signature included' }) requestHeaders!: Record<string, string>;
  @ApiProperty({ description: 'The body sent' }) requestBody!: string;
  @ApiProperty({ type: Number, nullable: true, description: 'null when no answer came' }) responseStatus!: number | null;
  @ApiProperty({ type: String, nullable: true, description: 'At most 4 KiB of it' }) responseBody!: string | null;
  @ApiProperty({ type: String, nullable: true }) error!: string | null;
  @ApiProperty() durationMs!: number;
  @ApiProperty() createdBy!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class SimulatedWebhookPage extends PageDoc(SimulatedWebhookDoc) {}
