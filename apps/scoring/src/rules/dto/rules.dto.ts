import { IsInt, IsObject, IsOptional, IsString, Length, MaxLength } from 'class-validator';
import type { RuleBody } from '../rule-body';

export class WorkspaceDto {
  @IsString()
  @Length(1, 64)
  workspaceId!: string;
}

/** A rule write: the body is checked by the service, so that a bad one answers `invalid_rule`. */
export class RuleWriteDto extends WorkspaceDto {
  @IsOptional()
  @IsString()
  @MaxLength(200)
  id?: string;

  @IsOptional()
  @IsObject()
  rule?: RuleBody;
}

export class StagesPutDto extends WorkspaceDto {
  @IsInt()
  warm!: number;

  @IsInt()
  hot!: number;

  @IsInt()
  qualified!: number;
}
