import type { PipelineStage, PipelineView } from '@leadflow/contracts';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { PageDoc } from '../../http/page.dto';

export class PipelineStageDto implements PipelineStage {
  @ApiProperty({ example: 'contract_sent', pattern: '^[a-z0-9_]{1,64}$' })
  @Matches(/^[a-z0-9_]{1,64}$/, { message: 'key must be 1 to 64 of a-z, 0-9 and _' })
  key!: string;

  @ApiProperty({ example: 'Contract sent' })
  @IsString()
  @Length(1, 100)
  name!: string;

  @ApiProperty({ minimum: 0, maximum: 100, example: 90 })
  @IsInt()
  @Min(0)
  @Max(100)
  probability!: number;

  @ApiProperty({ description: 'Moving an opportunity here closes it' })
  @IsBoolean()
  closed!: boolean;

  @ApiProperty({ description: 'A closed stage where the opportunity is won (else lost)' })
  @IsBoolean()
  won!: boolean;
}

export class CreatePipelineDto {
  @ApiProperty({ example: 'Renewals' })
  @IsString()
  @Length(1, 100)
  name!: string;

  @ApiProperty({ type: [PipelineStageDto], description: 'In order; at least one open stage, keys unique' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => PipelineStageDto)
  stages!: PipelineStageDto[];
}

export class UpdatePipelineDto {
  @ApiPropertyOptional({ example: 'Renewals 2027' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  name?: string;

  @ApiPropertyOptional({
    type: [PipelineStageDto],
    description: 'Replaces the stages; one that opportunities are in cannot go (409 stage_in_use)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => PipelineStageDto)
  stages?: PipelineStageDto[];
}

export class PipelineViewDoc implements PipelineView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'The pipeline new opportunities go to unless told otherwise' }) isDefault!: boolean;
  @ApiProperty({ type: [PipelineStageDto] }) stages!: PipelineStageDto[];
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class PipelinePage extends PageDoc(PipelineViewDoc) {}
