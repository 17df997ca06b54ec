import { type ContactSummary, type ContactView, type ScoreHistoryEntry, type ScoreView, type Stage, STAGES } from '@leadflow/contracts';
import { ApiProperty } from '@nestjs/swagger';
import { PageDoc } from '../../http/page.dto';

const text = { type: String, nullable: true } as const;

export class ContactSummaryDoc implements ContactSummary {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty(text) email!: string | null;
  @ApiProperty({ ...text, description: 'E.164' }) phone!: string | null;
  @ApiProperty(text) firstName!: string | null;
  @ApiProperty(text) lastName!: string | null;
  @ApiProperty({ ...text, description: 'ISO 3166-1 alpha-2' }) country!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class ContactPage extends PageDoc(ContactSummaryDoc) {}

export class ScoreHistoryEntryDoc implements ScoreHistoryEntry {
  @ApiProperty({ format: 'uuid' }) activityId!: string;
  @ApiProperty({ example: 'lead_submitted' }) type!: string;
  @ApiProperty({ example: 10 }) points!: number;
  @ApiProperty({ example: 'lead-with-phone' }) ruleId!: string;
  @ApiProperty({ format: 'date-time' }) at!: string;
}

export class ScoreViewDoc implements ScoreView {
  @ApiProperty({ format: 'uuid' }) contactId!: string;
  @ApiProperty({ example: 40 }) score!: number;
  @ApiProperty({ enum: STAGES }) stage!: Stage;
  @ApiProperty({ type: [ScoreHistoryEntryDoc] }) history!: ScoreHistoryEntry[];
}

export class ContactWithScore extends ContactSummaryDoc implements ContactView {
  @ApiProperty({ example: 'default' }) workspaceId!: string;
  @ApiProperty({ type: [String], description: 'Every email that identifies this contact (merges add to them)' }) emails!: string[];
  @ApiProperty({ type: [String], description: 'Every E.164 phone that identifies this contact' }) phones!: string[];
  @ApiProperty({ type: [String], format: 'uuid' }) leadIds!: string[];
  @ApiProperty({ type: [String], format: 'uuid', description: 'Contacts merged into this one' }) mergedIds!: string[];
  @ApiProperty({ example: 40 }) score!: number;
  @ApiProperty({ enum: STAGES }) stage!: Stage;
}
