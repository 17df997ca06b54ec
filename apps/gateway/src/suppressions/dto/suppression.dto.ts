import {
  IDENTITY_HASH_PATTERN,
  IDENTITY_KINDS,
  type IdentityKind,
  SUPPRESSION_KINDS,
  SUPPRESSION_REASONS,
  type SuppressionKind,
  type SuppressionReason,
  type SuppressionView,
} from '@leadflow/contracts';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength, ValidateIf } from 'class-validator';
import { PageDoc } from '../../http/page.dto';

/**
 * One identity to suppress: a clear `email` or `phone` (normalized and hashed here, never stored),
 * or a `hash` with its `kind`. Exactly one of the three.
 */
export class AddSuppressionDto {
  @ApiPropertyOptional({ example: 'ana@example.com', description: 'Normalized (trimmed, lower-cased) and hashed; never stored' })
  @IsOptional()
  @IsString()
  @MaxLength(254)
  email?: string;

  @ApiPropertyOptional({
    example: '+4915112345678',
    description: 'Read as E.164 (with `country` for national numbers) and hashed; never stored',
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  phone?: string;

  @ApiPropertyOptional({ example: 'DE', description: 'ISO 3166-1 alpha-2: how to read a national phone number' })
  @IsOptional()
  @IsString()
  @MaxLength(2)
  country?: string;

  @ApiPropertyOptional({
    example: '5d41402abc4b2a76b9719d911017c5925d41402abc4b2a76b9719d911017c592',
    description: 'sha256 in lower-case hex of "<kind>:<normalized value>" (email lower-cased and trimmed, phone in E.164)',
  })
  @IsOptional()
  @Matches(IDENTITY_HASH_PATTERN, { message: 'hash must be a sha256 in lower-case hex' })
  hash?: string;

  @ApiPropertyOptional({ enum: IDENTITY_KINDS, description: 'Required with `hash`' })
  @ValidateIf((dto: AddSuppressionDto) => dto.hash !== undefined || dto.kind !== undefined)
  @IsIn(IDENTITY_KINDS)
  kind?: IdentityKind;
}

export class SuppressionViewDoc implements SuppressionView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: SUPPRESSION_KINDS, description: 'anonymous_id and user_id: added by erasures of tracked people' })
  kind!: SuppressionKind;
  @ApiProperty({ description: 'sha256 of "<kind>:<normalized value>"' }) hash!: string;
  @ApiProperty({ enum: SUPPRESSION_REASONS, description: 'manual, or erasure (added when the person was erased)' })
  reason!: SuppressionReason;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) erasureId!: string | null;
  @ApiProperty({ example: 'key:0190a5b2-0000-7000-8000-000000000001' }) createdBy!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class SuppressionPage extends PageDoc(SuppressionViewDoc) {}
