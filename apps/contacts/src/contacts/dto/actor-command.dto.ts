import { IsString, Length } from 'class-validator';

/** What every command an admin sends through the gateway carries: the workspace and who acts. */
export class ActorCommandDto {
  @IsString()
  @Length(1, 64)
  workspaceId!: string;

  @IsString()
  @Length(1, 200)
  actor!: string;
}
