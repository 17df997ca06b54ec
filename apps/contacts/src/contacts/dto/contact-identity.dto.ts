import { type ContactMergeRequest, type ContactTimelineQuery, MAX_PAGE_SIZE, type TimelinePosition } from '@leadflow/contracts';
import { Type } from 'class-transformer';
import { IsInt, IsISO8601, IsOptional, IsString, IsUUID, Length, Max, Min, ValidateNested } from 'class-validator';

export class ContactMergeDto implements ContactMergeRequest {
  @IsString()
  @Length(1, 64)
  workspaceId!: string;

  @IsString()
  @Length(1, 200)
  actor!: string;

  @IsUUID()
  id!: string;

  @IsUUID()
  intoId!: string;
}

export class TimelinePositionDto implements TimelinePosition {
  @IsISO8601()
  at!: string;

  @IsString()
  @Length(1, 200)
  key!: string;
}

export class ContactTimelineDto implements ContactTimelineQuery {
  @IsString()
  @Length(1, 64)
  workspaceId!: string;

  @IsUUID()
  id!: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => TimelinePositionDto)
  before?: TimelinePositionDto;

  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE + 1)
  limit!: number;
}
