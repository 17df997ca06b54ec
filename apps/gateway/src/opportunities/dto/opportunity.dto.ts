import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, IsUUID, Length, Matches, Max, Min, ValidateIf } from 'class-validator';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const STAGE = /^[a-z0-9_]{1,64}$/;

/** Money as the API reads and writes it. */
export class MoneyDoc {
  @ApiProperty({
    example: '129900',
    pattern: '^(0|[1-9][0-9]*)$',
    description: 'Minor units as a string (up to 9223372036854775807), never a number',
  })
  amount!: string;

  @ApiProperty({ example: 'EUR', description: 'ISO 4217, upper case; the currency fixes the exponent (EUR 2, JPY 0, BHD 3)' })
  currency!: string;
}

const nullable = () => ValidateIf((_object: object, value: unknown) => value !== null && value !== undefined);

/**
 * The fields of an opportunity the API takes. The amount is checked by contacts, so that each fault
 * has its own code (`invalid_amount`, `invalid_currency`, `amount_out_of_range`).
 */
export class OpportunityFieldsDto {
  @ApiPropertyOptional({ example: 'Annual plan', maxLength: 200 })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'A live contact of the workspace (else 422 unknown_contact)' })
  @IsOptional()
  @IsUUID()
  contactId?: string;

  @ApiPropertyOptional({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'A lead attributed to a contact of the workspace (else 422 unknown_lead)',
  })
  @nullable()
  @IsUUID()
  leadId?: string | null;

  @ApiPropertyOptional({ type: MoneyDoc })
  @IsOptional()
  amount?: unknown;

  @ApiPropertyOptional({ format: 'uuid', description: 'Default: the workspace’s default pipeline' })
  @IsOptional()
  @IsUUID()
  pipelineId?: string;

  @ApiPropertyOptional({ example: 'qualified_to_buy', description: 'A stage key of the pipeline; default: its first open stage' })
  @IsOptional()
  @Matches(STAGE, { message: 'stage must be a stage key (a-z, 0-9, _)' })
  stage?: string;

  @ApiPropertyOptional({
    type: Number,
    minimum: 0,
    maximum: 100,
    nullable: true,
    description: 'Overrides the stage’s probability; null goes back to it',
  })
  @nullable()
  @IsInt()
  @Min(0)
  @Max(100)
  probability?: number | null;

  @ApiPropertyOptional({ type: String, format: 'date', example: '2026-12-31', nullable: true })
  @nullable()
  @Matches(DATE, { message: 'expectedCloseDate must be a date YYYY-MM-DD' })
  expectedCloseDate?: string | null;

  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true, description: 'An admin account' })
  @nullable()
  @IsUUID()
  ownerId?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 1000 })
  @nullable()
  @IsString()
  @Length(1, 1000)
  lostReason?: string | null;
}

/** A new opportunity: name, contactId and amount are required (400 validation_failed without them). */
export class CreateOpportunityDto extends OpportunityFieldsDto {}

/** A partial update: the fields present are set, null clears a field that may be empty. */
export class UpdateOpportunityDto extends OpportunityFieldsDto {}
