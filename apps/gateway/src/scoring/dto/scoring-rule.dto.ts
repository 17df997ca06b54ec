import type { RecomputeView, ScoringRuleCondition, ScoringRuleView, StageThresholdsView } from '@leadflow/contracts';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  Allow,
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { PageDoc } from '../../http/page.dto';

const OPS = ['equals', 'in', 'exists', 'gt', 'gte', 'lt', 'lte'] as const;
const KINDS = ['fit', 'engagement'] as const;

export class RuleConditionDto implements ScoringRuleCondition {
  @ApiProperty({ example: 'properties.plan', description: '`properties.<key>` or `traits.<key>`; dots reach deeper (depth 5)' })
  @IsString()
  @Length(1, 400)
  path!: string;

  @ApiProperty({ enum: OPS })
  @IsIn(OPS)
  op!: ScoringRuleCondition['op'];

  @ApiPropertyOptional({
    description: 'equals: a scalar; in: a list of scalars; gt/gte/lt/lte: a number; exists: true (default) or false',
    oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }, { type: 'array', items: {} }],
  })
  @Allow()
  value?: unknown;
}

export class RuleDecayDto {
  @ApiProperty({ enum: ['halve', 'expire'], description: 'halve: lose `percent` % every `everyDays` days; expire: all after `afterDays`' })
  @IsIn(['halve', 'expire'])
  type!: 'halve' | 'expire';

  @ApiPropertyOptional({ minimum: 1, maximum: 100, example: 50 })
  @IsOptional()
  @IsInt()
  percent?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 3650, example: 30 })
  @IsOptional()
  @IsInt()
  everyDays?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 3650, example: 90 })
  @IsOptional()
  @IsInt()
  afterDays?: number;
}

/** A rule's fields; all optional in a PATCH. Meaning (ranges, combinations) is checked by scoring: 400 `invalid_rule`. */
export class RulePatchDto {
  @ApiPropertyOptional({ enum: KINDS, description: 'fit: once per contact; engagement: per occurrence' })
  @IsOptional()
  @IsIn(KINDS)
  kind?: 'fit' | 'engagement';

  @ApiPropertyOptional({ example: 'page_view', description: 'The activity event name, or * for any' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  event?: string;

  @ApiPropertyOptional({ type: [RuleConditionDto], description: 'All must hold' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => RuleConditionDto)
  conditions?: RuleConditionDto[];

  @ApiPropertyOptional({ example: 10, description: 'Non-zero; negative takes points away' })
  @IsOptional()
  @IsInt()
  points?: number;

  @ApiPropertyOptional({ type: Number, nullable: true, description: 'Most points this rule gives one contact' })
  @IsOptional()
  @IsInt()
  cap?: number | null;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'web' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  group?: string | null;

  @ApiPropertyOptional({ type: Number, nullable: true, description: 'Most points the rules of the group give one contact' })
  @IsOptional()
  @IsInt()
  groupCap?: number | null;

  @ApiPropertyOptional({ type: RuleDecayDto, nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => RuleDecayDto)
  decay?: RuleDecayDto | null;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  active?: boolean;

  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string | null;
}

export class RuleCreateDto extends RulePatchDto {
  @ApiProperty({ example: 'pricing_view', pattern: '^[a-z0-9_]{1,64}$' })
  @IsString()
  @Length(1, 64)
  id!: string;
}

export class RuleViewDoc implements ScoringRuleView {
  @ApiProperty({ example: 'page_view' }) id!: string;
  @ApiProperty({ enum: KINDS }) kind!: 'fit' | 'engagement';
  @ApiProperty({ example: 'page_view' }) event!: string;
  @ApiProperty({ type: [RuleConditionDto] }) conditions!: RuleConditionDto[];
  @ApiProperty({ example: 5 }) points!: number;
  @ApiProperty({ type: Number, nullable: true }) cap!: number | null;
  @ApiProperty({ type: String, nullable: true }) group!: string | null;
  @ApiProperty({ type: Number, nullable: true }) groupCap!: number | null;
  @ApiProperty({ type: RuleDecayDto, nullable: true }) decay!: ScoringRuleView['decay'];
  @ApiProperty() active!: boolean;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
}

export class RulePage extends PageDoc(RuleViewDoc) {}

export class StageThresholdsDto implements StageThresholdsView {
  @ApiProperty({ example: 20, description: 'Lowest score of warm (below it: cold)' })
  @IsInt()
  warm!: number;

  @ApiProperty({ example: 50 })
  @IsInt()
  hot!: number;

  @ApiProperty({ example: 100 })
  @IsInt()
  qualified!: number;
}

export class RecomputeFilterDto {
  @ApiPropertyOptional({ enum: ['cold', 'warm', 'hot', 'qualified'] })
  @IsOptional()
  @IsIn(['cold', 'warm', 'hot', 'qualified'])
  stage?: 'cold' | 'warm' | 'hot' | 'qualified';

  @ApiPropertyOptional({ type: [String], format: 'uuid' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10000)
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  contactIds?: string[];
}

export class RecomputeDto {
  @ApiPropertyOptional({ default: false, description: 'Only count the contacts whose stage would change (a backtest)' })
  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;

  @ApiPropertyOptional({ type: RecomputeFilterDto, description: 'All active contacts when absent' })
  @IsOptional()
  @ValidateNested()
  @Type(() => RecomputeFilterDto)
  filter?: RecomputeFilterDto;

  @ApiPropertyOptional({ type: [RuleCreateDto], description: 'Dry run only: a draft rule set to backtest instead of the saved one' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(500)
  @ValidateNested({ each: true })
  @Type(() => RuleCreateDto)
  rules?: RuleCreateDto[];

  @ApiPropertyOptional({ type: StageThresholdsDto, description: 'Dry run only: draft thresholds' })
  @IsOptional()
  @ValidateNested()
  @Type(() => StageThresholdsDto)
  thresholds?: StageThresholdsDto;
}

export class RecomputeViewDoc implements RecomputeView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ['queued', 'running', 'done', 'failed'] }) status!: RecomputeView['status'];
  @ApiProperty() dryRun!: boolean;
  @ApiProperty({ example: 1200 }) done!: number;
  @ApiProperty({ example: 5000 }) total!: number;
  @ApiProperty({ description: 'Contacts whose stage changed (or would, in a dry run)' }) stageChanges!: number;
}
