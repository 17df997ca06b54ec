import { type Stage, STAGES } from '@leadflow/contracts';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsObject, IsOptional, IsString, Length, MaxLength, ValidateNested } from 'class-validator';
import type { RuleBody } from '../../rules/rule-body';

export class RecomputeFilterDto {
  @IsOptional()
  @IsIn(STAGES)
  stage?: Stage;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10000)
  @IsString({ each: true })
  @MaxLength(200, { each: true })
  contactIds?: string[];
}

/** `scoring.recompute.start`: draft rules are checked by the service (`invalid_rule`). */
export class RecomputeStartDto {
  @IsString()
  @Length(1, 64)
  workspaceId!: string;

  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;

  @IsOptional()
  @ValidateNested()
  @Type(() => RecomputeFilterDto)
  filter?: RecomputeFilterDto;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(500)
  @IsObject({ each: true })
  rules?: RuleBody[];

  @IsOptional()
  @IsObject()
  thresholds?: { warm?: number; hot?: number; qualified?: number };
}

export class RecomputeGetDto {
  @IsString()
  @Length(1, 64)
  workspaceId!: string;

  @IsString()
  @MaxLength(200)
  id!: string;
}
