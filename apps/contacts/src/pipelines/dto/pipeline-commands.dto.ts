import type { PipelineCreateCommand, PipelineStage, PipelineUpdateCommand } from '@leadflow/contracts';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { MAX_STAGES, STAGE_KEY_PATTERN } from '../pipeline-stages';

export class PipelineStageDto implements PipelineStage {
  @Matches(STAGE_KEY_PATTERN, { message: 'key must be 1 to 64 of a-z, 0-9 and _' })
  key!: string;

  @IsString()
  @Length(1, 100)
  name!: string;

  @IsInt()
  @Min(0)
  @Max(100)
  probability!: number;

  @IsBoolean()
  closed!: boolean;

  @IsBoolean()
  won!: boolean;
}

export class WorkspaceRequestDto {
  @IsString()
  @Length(1, 64)
  workspaceId!: string;
}

export class PipelineCreateDto extends WorkspaceRequestDto implements PipelineCreateCommand {
  @IsString()
  @Length(1, 100)
  name!: string;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_STAGES)
  @ValidateNested({ each: true })
  @Type(() => PipelineStageDto)
  stages!: PipelineStageDto[];
}

export class PipelineUpdateDto extends WorkspaceRequestDto implements PipelineUpdateCommand {
  @IsUUID()
  id!: string;

  @IsOptional()
  @IsString()
  @Length(1, 100)
  name?: string;

  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_STAGES)
  @ValidateNested({ each: true })
  @Type(() => PipelineStageDto)
  stages?: PipelineStageDto[];
}
