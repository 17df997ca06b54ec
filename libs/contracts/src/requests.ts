import { IsInt, IsOptional, IsString, IsUUID, Length, Max, Min } from 'class-validator';
import type { ByIdQuery } from './leads';
import { MAX_PAGE_SIZE } from './pagination';

/** Request/reply payloads shared by the apps that answer lists and lookups; validated on receipt. */
export class ByIdRequest implements ByIdQuery {
  @IsString()
  @Length(1, 64)
  workspaceId!: string;

  @IsUUID()
  id!: string;
}

/** One page of a list inside one workspace; `cursor` is the last id of the previous page. */
export class PageRequest {
  @IsString()
  @Length(1, 64)
  workspaceId!: string;

  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit!: number;

  @IsOptional()
  @IsUUID()
  cursor?: string;
}
