import {
  CONTACT_SORTS,
  type ContactLeadsQuery,
  type ContactListQuery,
  type ContactSort,
  LIFECYCLES,
  type Lifecycle,
  MAX_PAGE_SIZE,
  type Stage,
  STAGES,
} from '@leadflow/contracts';
import { IsBoolean, IsIn, IsInt, IsISO8601, IsOptional, IsString, IsUUID, Length, Max, MaxLength, Min } from 'class-validator';

export class ContactListDto implements ContactListQuery {
  @IsString()
  @Length(1, 64)
  workspaceId!: string;

  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit!: number;

  /** A last id (unsorted lists) or a keyset cursor (sorted ones); read by the query service. */
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  cursor?: string;

  @IsOptional()
  @IsString()
  @MaxLength(500)
  email?: string;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  phone?: string;

  @IsOptional()
  @IsUUID()
  ownerId?: string;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  tag?: string;

  @IsOptional()
  @IsIn(STAGES)
  stage?: Stage;

  @IsOptional()
  @IsIn(LIFECYCLES)
  lifecycle?: Lifecycle;

  @IsOptional()
  @IsISO8601({ strict: true })
  updatedSince?: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;

  @IsOptional()
  @IsIn(CONTACT_SORTS)
  sort?: ContactSort;

  @IsOptional()
  @IsIn(['asc', 'desc'])
  order?: 'asc' | 'desc';

  @IsOptional()
  @IsBoolean()
  includeDeleted?: boolean;
}

export class ContactLeadsDto implements ContactLeadsQuery {
  @IsString()
  @Length(1, 64)
  workspaceId!: string;

  @IsUUID()
  id!: string;

  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit!: number;

  @IsOptional()
  @IsUUID()
  cursor?: string;
}
