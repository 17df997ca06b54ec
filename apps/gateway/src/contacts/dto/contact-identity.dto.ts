import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, type TimelineEntry, type TimelineEntryKind } from '@leadflow/contracts';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';

export class ContactMergeBodyDto {
  @ApiProperty({ format: 'uuid', description: 'The contact that survives; the contact of the path folds into it' })
  @IsUUID()
  intoId!: string;
}

export class TimelineQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit: number = DEFAULT_PAGE_SIZE;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;
}

const TIMELINE_KINDS: TimelineEntryKind[] = ['lead', 'activity', 'merge', 'score_changed', 'stage_changed'];

export class TimelineEntryDoc implements TimelineEntry {
  @ApiProperty({
    format: 'date-time',
    description: 'Leads: received; activities: occurred (skew-corrected); merges and score changes: when made',
  })
  at!: string;

  @ApiProperty({ enum: TIMELINE_KINDS }) kind!: TimelineEntryKind;
  @ApiProperty({ description: 'Unique in the timeline; orders entries of one instant' }) key!: string;
  @ApiPropertyOptional({ format: 'uuid' }) leadId?: string;
  @ApiPropertyOptional({ format: 'uuid' }) activityId?: string;
  @ApiPropertyOptional({ enum: ['track', 'identify', 'page', 'alias'] }) activityKind?: string;
  @ApiPropertyOptional({ description: 'activity: its name; merge: its reason (lead, identify, alias, admin)' }) name?: string;
  @ApiPropertyOptional({ type: String, nullable: true, description: 'activity: its source; merge: the admin who asked' })
  source?: string | null;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'activity: a small copy of its top-level properties' })
  properties?: Record<string, unknown>;

  @ApiPropertyOptional({ format: 'uuid', description: 'merge: the contact folded into this one' }) mergedId?: string;
  @ApiPropertyOptional({ type: String, nullable: true }) ruleId?: string | null;
  @ApiPropertyOptional() points?: number;
  @ApiPropertyOptional() score?: number;
  @ApiPropertyOptional() stage?: string;
  @ApiPropertyOptional({ type: String, nullable: true }) fromStage?: string | null;
}

export class TimelinePageDoc {
  @ApiProperty({ format: 'uuid', description: 'The live contact (a merged id answers its survivor)' }) contactId!: string;
  @ApiProperty({ type: [TimelineEntryDoc], description: 'Newest first' }) items!: TimelineEntryDoc[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as cursor for the next page; null on the last one' })
  nextCursor!: string | null;

  @ApiProperty({
    type: [String],
    description: 'Apps whose entries are missing from this page because they did not answer (e.g. scoring); empty when complete',
  })
  partial!: string[];
}
