import type { LeadConvertCommand, OpportunityFields } from '@leadflow/contracts';
import { ActorCommandDto } from '../../contacts/dto/actor-command.dto';
import { IsObject, IsOptional, IsString, IsUUID, Length, MaxLength, ValidateIf } from 'class-validator';

export class LeadConvertDto extends ActorCommandDto implements LeadConvertCommand {
  @IsUUID()
  leadId!: string;

  @ValidateIf((_object: object, value: unknown) => value !== null)
  @IsString()
  @Length(1, 255)
  idempotencyKey!: string | null;

  @IsString()
  @MaxLength(255)
  source!: string;

  @ValidateIf((_object: object, value: unknown) => value !== null)
  @IsString()
  offer!: string | null;

  @IsOptional()
  @IsUUID()
  contactId?: string;

  /** Checked field by field by the service, each fault with its code. */
  @IsOptional()
  @IsObject()
  opportunity?: OpportunityFields;
}
