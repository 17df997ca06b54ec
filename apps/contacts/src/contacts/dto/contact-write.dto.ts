import type {
  ContactCreateRequest,
  ContactFields,
  ContactPatchRequest,
  ContactReplaceRequest,
  ContactVersionedRequest,
} from '@leadflow/contracts';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsInt, IsObject, IsString, IsUUID, Length, Min } from 'class-validator';

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

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @IsInt({ each: true })
  @Min(1, { each: true })
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
