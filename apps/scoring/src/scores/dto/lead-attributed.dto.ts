import type { LeadAttributedData } from '@leadflow/contracts';
import { IsBoolean, IsISO8601, IsOptional, IsString, IsUUID, MaxLength, MinLength } from 'class-validator';

/** The data of `lead.attributed` as scoring checks it on receipt. */
export class LeadAttributedDto implements LeadAttributedData {
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  leadId!: string;

  @IsUUID()
  contactId!: string;

  @IsBoolean()
  isNewContact!: boolean;

  @IsString()
  @MaxLength(255)
  source!: string;

  @IsOptional()
  @IsString()
  offer!: string | null;

  @IsOptional()
  @IsString()
  country!: string | null;

  @IsISO8601({ strict: true })
  receivedAt!: string;

  @IsBoolean()
  emailValid!: boolean;

  @IsBoolean()
  phoneValid!: boolean;
}
