import type {
  ContactCreateRequest,
  ContactFields,
  ContactPatchRequest,
  ContactReplaceRequest,
  ContactVersionedRequest,
} from '@leadflow/contracts';
import { IsObject, IsUUID } from 'class-validator';
import { ActorCommandDto } from './actor-command.dto';
import { IsIfMatchVersions } from './if-match.validator';

/** The fields themselves are checked and normalized by the records service (normalizeContactFields). */
export class ContactCreateDto extends ActorCommandDto implements ContactCreateRequest {
  @IsObject()
  fields!: ContactFields;
}

export class ContactVersionedDto extends ActorCommandDto implements ContactVersionedRequest {
  @IsUUID()
  id!: string;

  @IsIfMatchVersions()
  ifMatch!: number[];
}

export class ContactReplaceDto extends ContactVersionedDto implements ContactReplaceRequest {
  @IsObject()
  fields!: ContactFields;
}

export class ContactPatchDto extends ContactVersionedDto implements ContactPatchRequest {
  @IsObject()
  patch!: Record<string, unknown>;
}
