import {
  type ContactLeadEntry,
  type ContactSummary,
  type ContactView,
  LIFECYCLES,
  type Lifecycle,
  type ScoreHistoryEntry,
  type ScoreView,
  type Stage,
  STAGES,
} from '@leadflow/contracts';
import { ApiProperty } from '@nestjs/swagger';
import { ErrorBodyDoc } from '../../http/error-body.doc';
import { PageDoc } from '../../http/page.dto';

const text = { type: String, nullable: true } as const;

export class ContactSummaryDoc implements ContactSummary {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 3, description: 'Bumped by every write; the ETag is "<version>"' }) version!: number;
  @ApiProperty(text) email!: string | null;
  @ApiProperty({ ...text, description: 'E.164' }) phone!: string | null;
  @ApiProperty(text) firstName!: string | null;
  @ApiProperty(text) lastName!: string | null;
  @ApiProperty(text) company!: string | null;
  @ApiProperty(text) title!: string | null;
  @ApiProperty({ ...text, description: 'ISO 3166-1 alpha-2' }) country!: string | null;
  @ApiProperty({ ...text, format: 'uuid', description: 'An admin account of the workspace' }) ownerId!: string | null;
  @ApiProperty({ type: [String] }) tags!: string[];
  @ApiProperty({ enum: LIFECYCLES }) lifecycle!: Lifecycle;
  @ApiProperty({ enum: STAGES, nullable: true, description: 'The score stage (null before scoring saw the contact)' }) stage!: Stage | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Set while soft-deleted' }) deletedAt!: string | null;
}

export class ContactPage extends PageDoc(ContactSummaryDoc) {}

export class ScoreHistoryEntryDoc implements ScoreHistoryEntry {
  @ApiProperty({ format: 'uuid' }) activityId!: string;
  @ApiProperty({ example: 'lead_submitted' }) type!: string;
  @ApiProperty({ example: 10 }) points!: number;
  @ApiProperty({ example: 'lead-with-phone' }) ruleId!: string;
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({ required: false, enum: ['award', 'decay', 'expiry'] }) reason?: 'award' | 'decay' | 'expiry';
  @ApiProperty({ required: false, enum: ['fit', 'engagement'] }) kind?: 'fit' | 'engagement';
}

export class ScoreViewDoc implements ScoreView {
  @ApiProperty({ format: 'uuid' }) contactId!: string;
  @ApiProperty({ example: 40 }) score!: number;
  @ApiProperty({ enum: STAGES }) stage!: Stage;
  @ApiProperty({ required: false, description: 'The part of the score from fit rules' }) fit?: number;
  @ApiProperty({ required: false, description: 'The part of the score from engagement rules' }) engagement?: number;
  @ApiProperty({ type: [ScoreHistoryEntryDoc] }) history!: ScoreHistoryEntry[];
  @ApiProperty({ required: false, description: 'Present (true) while the contact is soft-deleted (it is then off the leaderboard)' })
  contactDeleted?: boolean;
}

/** A contact as writes answer it (and as 412 bodies carry it). */
export class ContactRecordDoc extends ContactSummaryDoc implements ContactView {
  @ApiProperty({ example: 'default' }) workspaceId!: string;
  @ApiProperty({ type: [String], description: 'Every email that identifies this contact (merges add to them)' }) emails!: string[];
  @ApiProperty({ type: [String], description: 'Every E.164 phone that identifies this contact' }) phones!: string[];
  @ApiProperty({ type: [String], format: 'uuid' }) leadIds!: string[];
  @ApiProperty({ type: [String], format: 'uuid', description: 'Contacts merged into this one' }) mergedIds!: string[];
  @ApiProperty({ type: 'object', additionalProperties: true }) properties!: Record<string, unknown>;
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true } }) parseIssues!: unknown[];
  @ApiProperty({ ...text, description: '`account:<id>` or `key:<id>`; null when made by the pipeline' }) createdBy!: string | null;
  @ApiProperty({ ...text, description: '`account:<id>` or `key:<id>`; null when last changed by the pipeline' }) updatedBy!: string | null;
}

export class ContactWithScore extends ContactRecordDoc {
  @ApiProperty({ example: 40 }) score!: number;
  @ApiProperty({ enum: STAGES }) declare stage: Stage;
}

/** 412: the standard error body and the contact as it is now. */
export class VersionConflictDoc extends ErrorBodyDoc {
  @ApiProperty({ type: ContactRecordDoc }) current!: ContactRecordDoc;
}

export class ContactLeadEntryDoc implements ContactLeadEntry {
  @ApiProperty({ format: 'uuid' }) leadId!: string;
  @ApiProperty({ format: 'date-time' }) receivedAt!: string;
  @ApiProperty({ format: 'date-time' }) attributedAt!: string;
}

export class ContactLeadPage extends PageDoc(ContactLeadEntryDoc) {}
