import type {
  ContactCreateRequest,
  ContactFields,
  ContactPatchRequest,
  ContactReplaceRequest,
  ContactVersionedRequest,
} from '@leadflow/contracts';
import { IsObject, IsString, IsUUID, Length } from 'class-validator';
import { IsIfMatchVersions } from './if-match.validator';

/** The fields themselves are checked and normalized by the records service (normalizeContactFields). */
export class ContactCreateDto implements ContactCreateRequest {
  @IsString()
  @Length(1, 64)
  workspaceId!: string;

  @IsString()
  @Length(1, 200)
  actor!: string;

  @IsObject()
  fields!: ContactFields;
}

export class ContactVersionedDto implements ContactVersionedRequest {
  @IsString()
  @Length(1, 64)
  workspaceId!: string;

  @IsString()
  @Length(1, 200)
  actor!: string;

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
