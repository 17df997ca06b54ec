import { type LeaderboardQuery, MAX_PAGE_SIZE } from '@leadflow/contracts';
import { IsInt, IsString, Length, Max, Min } from 'class-validator';

export class LeaderboardQueryDto implements LeaderboardQuery {
  @IsString()
  @Length(1, 64)
  workspaceId!: string;

  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit!: number;
}
