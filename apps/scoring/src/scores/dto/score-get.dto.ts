import type { ByIdQuery } from '@leadflow/contracts';
import { IsString, MaxLength, MinLength } from 'class-validator';

/** `scoring.score.get`: the id is checked by the service, so that a bad one answers `invalid_id`. */
export class ScoreGetDto implements ByIdQuery {
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  workspaceId!: string;

  @IsString()
  @MaxLength(200)
  id!: string;
}
