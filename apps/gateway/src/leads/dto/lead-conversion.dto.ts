import type { LeadConversionView } from '@leadflow/contracts';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDefined, IsInt, IsOptional, IsString, IsUUID, Length, Matches, Max, Min, ValidateIf, ValidateNested } from 'class-validator';
import { MoneyDoc } from '../../opportunities/dto/opportunity.dto';
import { OpportunityViewDoc } from '../../opportunities/dto/opportunity-views.dto';

const nullable = () => ValidateIf((_object: object, value: unknown) => value !== null && value !== undefined);

/** The opportunity a conversion creates: its contact and lead are the conversion's. */
export class ConversionOpportunityDto {
  @ApiProperty({ example: 'Annual plan' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiProperty({ type: MoneyDoc, description: 'Checked by contacts: invalid_amount, invalid_currency, amount_out_of_range' })
  @IsDefined({ message: 'opportunity.amount is required' })
  amount!: unknown;

  @ApiPropertyOptional({ format: 'uuid', description: 'Default: the default pipeline' })
  @IsOptional()
  @IsUUID()
  pipelineId?: string;

  @ApiPropertyOptional({ example: 'qualified_to_buy', description: 'Default: the pipeline’s first open stage' })
  @IsOptional()
  @Matches(/^[a-z0-9_]{1,64}$/, { message: 'stage must be a stage key (a-z, 0-9, _)' })
  stage?: string;

  @ApiPropertyOptional({ type: Number, minimum: 0, maximum: 100, nullable: true })
  @nullable()
  @IsInt()
  @Min(0)
  @Max(100)
  probability?: number | null;

  @ApiPropertyOptional({ type: String, format: 'date', example: '2026-12-31', nullable: true })
  @nullable()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'expectedCloseDate must be a date YYYY-MM-DD' })
  expectedCloseDate?: string | null;

  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true })
  @nullable()
  @IsUUID()
  ownerId?: string | null;
}

export class ConvertLeadDto {
  @ApiPropertyOptional({
    format: 'uuid',
    description: 'An existing live contact to convert the lead into; default: the contact the lead was attributed to',
  })
  @IsOptional()
  @IsUUID()
  contactId?: string;

  @ApiPropertyOptional({ type: ConversionOpportunityDto, description: 'An opportunity to create with the conversion' })
  @IsOptional()
  @ValidateNested()
  @Type(() => ConversionOpportunityDto)
  opportunity?: ConversionOpportunityDto;
}

export class LeadConversionDoc implements LeadConversionView {
  @ApiProperty({ format: 'uuid' }) leadId!: string;
  @ApiProperty({ format: 'uuid' }) contactId!: string;
  @ApiProperty({ example: 'contact', description: 'The contact’s lifecycle after the conversion (a customer stays one)' })
  lifecycle!: string;
  @ApiProperty({ type: OpportunityViewDoc, nullable: true }) opportunity!: OpportunityViewDoc | null;
  @ApiProperty({ format: 'date-time' }) convertedAt!: string;
}
