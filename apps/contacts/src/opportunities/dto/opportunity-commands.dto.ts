import {
  type OpportunityCreateCommand,
  type OpportunityDeleteCommand,
  type OpportunityFields,
  type OpportunityListQuery,
  type OpportunityStatus,
  type OpportunityUpdateCommand,
  PageRequest,
} from '@leadflow/contracts';
import { IsIn, IsObject, IsOptional, IsString, IsUUID, Length } from 'class-validator';
import { ActorCommandDto } from '../../contacts/dto/actor-command.dto';
import { IsIfMatchVersions } from '../../contacts/dto/if-match.validator';

/** The fields object is checked field by field by the service (`readOpportunityFields`), each fault with its code. */
export class OpportunityCreateDto extends ActorCommandDto implements OpportunityCreateCommand {
  @IsObject()
  fields!: OpportunityFields;
}

export class OpportunityUpdateDto extends ActorCommandDto implements OpportunityUpdateCommand {
  @IsUUID()
  id!: string;

  @IsIfMatchVersions()
  ifMatch!: number[];

  @IsObject()
  fields!: OpportunityFields;
}

export class OpportunityDeleteDto extends ActorCommandDto implements OpportunityDeleteCommand {
  @IsUUID()
  id!: string;

  @IsIfMatchVersions()
  ifMatch!: number[];
}

export class OpportunityListDto extends PageRequest implements OpportunityListQuery {
  @IsOptional()
  @IsUUID()
  contactId?: string;

  @IsOptional()
  @IsUUID()
  pipelineId?: string;

  @IsOptional()
  @IsString()
  @Length(1, 64)
  stage?: string;

  @IsOptional()
  @IsIn(['open', 'won', 'lost'])
  status?: OpportunityStatus;
}
