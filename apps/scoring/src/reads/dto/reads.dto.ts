import { MAX_PAGE_SIZE, type ScoringTimelineRequest } from '@leadflow/contracts';
import { IsInt, IsISO8601, IsOptional, IsString, Length, Max, MaxLength, Min } from 'class-validator';

/** `scoring.contact.timeline`: the id is checked by the service, so that a bad one answers `invalid_id`. */
export class ScoringTimelineDto implements ScoringTimelineRequest {
  @IsString()
  @Length(1, 64)
  workspaceId!: string;

  @IsString()
  @MaxLength(200)
  contactId!: string;

  @IsOptional()
  @IsISO8601({ strict: true })
  before?: string;

  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit!: number;
}

export class ContactInsightsDto {
  @IsString()
  @Length(1, 64)
  workspaceId!: string;

  @IsString()
  @MaxLength(200)
  id!: string;
}
