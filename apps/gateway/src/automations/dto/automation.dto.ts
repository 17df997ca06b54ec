import {
  AUTOMATION_ACTIONS,
  AUTOMATION_PROPERTY_OPS,
  AUTOMATION_RUN_OUTCOMES,
  AUTOMATION_TRIGGERS,
  type AutomationAction,
  type AutomationBackfillView,
  type AutomationConditions,
  type AutomationRunOutcome,
  type AutomationRunView,
  type AutomationTrigger,
  type AutomationView,
  LIFECYCLES,
  STAGES,
} from '@leadflow/contracts';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsInt, IsObject, IsOptional, IsString, Length, Max, Min, ValidateIf } from 'class-validator';
import { ErrorBodyDoc } from '../../http/error-body.doc';
import { PageDoc } from '../../http/page.dto';

export class AutomationTriggerDoc {
  @ApiProperty({ enum: AUTOMATION_TRIGGERS }) type!: AutomationTrigger['type'];
  @ApiPropertyOptional({ enum: STAGES, nullable: true, description: 'stage_changed: the stage left (null: a first stage)' })
  fromStage?: string | null;
  @ApiPropertyOptional({ enum: STAGES, description: 'stage_changed: the stage entered' }) toStage?: string;
  @ApiPropertyOptional({ example: 50, description: 'score_crossed: the threshold' }) threshold?: number;
  @ApiPropertyOptional({ enum: ['up', 'down'], description: 'score_crossed: up reaches the threshold, down falls below it' })
  direction?: 'up' | 'down';
  @ApiPropertyOptional({
    example: 'demo_requested',
    description: 'event_received: the event name (page_view, lead_submitted, a track name)',
  })
  event?: string;
}

export class AutomationPropertyMatchDoc {
  @ApiProperty({
    example: 'properties.plan',
    description: '`properties.<key>` of the triggering activity, or `contact.<tags|ownerId|lifecycle|company|title|country>`',
  })
  path!: string;
  @ApiProperty({ enum: AUTOMATION_PROPERTY_OPS }) op!: string;
  @ApiPropertyOptional({ description: 'equals: a scalar; in: a list of scalars; exists: true (default) or false' }) value?: unknown;
}

export class AutomationScoreRangeDoc {
  @ApiPropertyOptional({ example: 20 }) min?: number;
  @ApiPropertyOptional({ example: 80 }) max?: number;
}

export class AutomationTagsConditionDoc {
  @ApiPropertyOptional({ type: [String], description: 'The contact has every one' }) all?: string[];
  @ApiPropertyOptional({ type: [String], description: 'The contact has at least one' }) any?: string[];
  @ApiPropertyOptional({ type: [String], description: 'The contact has none' }) none?: string[];
}

export class AutomationConditionsDoc {
  @ApiPropertyOptional({ type: [String], enum: STAGES, description: 'The stage left by a stage change' }) fromStage?: string[];
  @ApiPropertyOptional({ type: [String], enum: STAGES, description: 'The stage entered (or the contact’s stage, for other triggers)' })
  toStage?: string[];
  @ApiPropertyOptional({ type: AutomationScoreRangeDoc }) score?: AutomationScoreRangeDoc;
  @ApiPropertyOptional({ type: [AutomationPropertyMatchDoc], description: 'All must hold' }) properties?: AutomationPropertyMatchDoc[];
  @ApiPropertyOptional({ type: [String], description: 'The source of the activity behind the change' }) source?: string[];
  @ApiPropertyOptional({ type: [String], description: 'The offer of the activity behind the change' }) offer?: string[];
  @ApiPropertyOptional({ type: AutomationTagsConditionDoc }) tags?: AutomationTagsConditionDoc;
}

export class AutomationActionDoc {
  @ApiProperty({ enum: AUTOMATION_ACTIONS }) type!: AutomationAction['type'];
  @ApiPropertyOptional({ format: 'uuid', description: 'webhook: the webhook endpoint' }) endpointId?: string;
  @ApiPropertyOptional({ enum: ['round_robin', 'fixed'], description: 'assign_owner' }) strategy?: string;
  @ApiPropertyOptional({ type: [String], description: 'assign_owner: admin account ids (one for fixed)' }) ownerIds?: string[];
  @ApiPropertyOptional({ example: 'vip', description: 'add_tag, remove_tag' }) tag?: string;
  @ApiPropertyOptional({ enum: LIFECYCLES, description: 'set_lifecycle' }) lifecycle?: string;
}

/**
 * An automation's fields; all optional in a PATCH. The trigger, conditions and actions are checked
 * by scoring: 400 `invalid_automation` names the field at fault.
 */
export class AutomationPatchDto {
  @ApiPropertyOptional({ example: 'Hot leads to sales' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({ type: AutomationTriggerDoc })
  @IsOptional()
  @IsObject()
  trigger?: AutomationTrigger;

  @ApiPropertyOptional({ type: AutomationConditionsDoc })
  @IsOptional()
  @IsObject()
  conditions?: AutomationConditions;

  @ApiPropertyOptional({ type: [AutomationActionDoc] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsObject({ each: true })
  actions?: AutomationAction[];

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    minimum: 1,
    description: 'Seconds before the automation runs again for one contact',
  })
  @IsOptional()
  @ValidateIf((_o: object, value: unknown) => value !== null)
  @IsInt()
  @Min(1)
  @Max(366 * 24 * 3600)
  cooldownSeconds?: number | null;
}

export class AutomationCreateDto extends AutomationPatchDto {
  @ApiProperty({ example: 'Hot leads to sales' })
  @IsString()
  @Length(1, 200)
  declare name: string;

  @ApiProperty({ type: AutomationTriggerDoc })
  @IsObject()
  declare trigger: AutomationTrigger;

  @ApiProperty({ type: [AutomationActionDoc] })
  @IsArray()
  @ArrayMaxSize(20)
  @IsObject({ each: true })
  declare actions: AutomationAction[];

  @ApiPropertyOptional({ default: false, description: 'Also run it, once each, for the contacts that already match (a background job)' })
  @IsOptional()
  @IsBoolean()
  runForExisting?: boolean;
}

export class AutomationViewDoc implements AutomationView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: AutomationTriggerDoc }) trigger!: AutomationTrigger;
  @ApiProperty({ type: AutomationConditionsDoc }) conditions!: AutomationConditions;
  @ApiProperty({ type: [AutomationActionDoc] }) actions!: AutomationAction[];
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ type: Number, nullable: true }) cooldownSeconds!: number | null;
  @ApiProperty({ description: 'One more per change; the ETag is "<version>"' }) version!: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class AutomationPage extends PageDoc(AutomationViewDoc) {}

export class AutomationConflictDoc extends ErrorBodyDoc {
  @ApiProperty({ type: AutomationViewDoc }) current!: AutomationViewDoc;
}

export class AutomationRunViewDoc implements AutomationRunView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) automationId!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) contactId!: string | null;
  @ApiProperty({ example: 'stage_changed', description: 'The trigger type, or backfill' }) trigger!: string;
  @ApiProperty({
    example: 'stage.changed:0190a5b2-…',
    description: 'What ran it: the triggering event or activity, or backfill:<automation>:<contact>',
  })
  occurrenceId!: string;
  @ApiProperty({ enum: AUTOMATION_RUN_OUTCOMES }) outcome!: AutomationRunOutcome;
  @ApiProperty({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    description: 'The actions requested, as resolved (the owner chosen)',
  })
  actions!: Array<Record<string, unknown>>;
  @ApiProperty({ type: String, nullable: true }) error!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class AutomationRunPage extends PageDoc(AutomationRunViewDoc) {}

export class AutomationBackfillViewDoc implements AutomationBackfillView {
  @ApiProperty({ format: 'uuid' }) automationId!: string;
  @ApiProperty({ enum: ['running', 'done'] }) status!: 'running' | 'done';
  @ApiProperty({ description: 'Contacts looked at' }) processed!: number;
  @ApiProperty({ description: 'Contacts to look at' }) total!: number;
  @ApiProperty({ description: 'Contacts it ran for' }) matched!: number;
  @ApiProperty({ format: 'date-time' }) startedAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

/** A created automation, with its backfill when `runForExisting` asked for one. */
export class AutomationCreatedDoc extends AutomationViewDoc {
  @ApiPropertyOptional({ type: AutomationBackfillViewDoc }) backfill?: AutomationBackfillView;
}
