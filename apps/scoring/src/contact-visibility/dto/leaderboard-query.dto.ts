import { type LeaderboardQuery, MAX_PAGE_SIZE, type Stage, STAGES } from '@leadflow/contracts';
import { IsIn, IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';

export class LeaderboardQueryDto implements LeaderboardQuery {
  @IsString()
  @Length(1, 64)
  workspaceId!: string;

  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit!: number;

  @IsOptional()
  @IsIn(STAGES)
  stage?: Stage;

  @IsOptional()
  @IsString()
  @Length(1, 2048)
  cursor?: string;
}
