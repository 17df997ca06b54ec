import type { LeadSummary, LeadView, NormalizedLead, ParseIssue } from '@leadflow/contracts';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PageDoc } from '../../http/page.dto';

const text = { type: String, nullable: true } as const;

export class LeadSummaryDoc implements LeadSummary {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'landing-pages', description: 'The name of the key that sent it' }) source!: string;
  @ApiProperty({ format: 'date-time' }) receivedAt!: string;
  @ApiProperty(text) email!: string | null;
  @ApiProperty(text) phone!: string | null;
  @ApiProperty(text) country!: string | null;
  @ApiProperty(text) offer!: string | null;
  @ApiProperty(text) firstName!: string | null;
  @ApiProperty(text) lastName!: string | null;
}

export class LeadPage extends PageDoc(LeadSummaryDoc) {}

export class ParseIssueDoc implements ParseIssue {
  @ApiProperty({ example: 'phone' }) field!: string;
  @ApiProperty({ example: 'not a phone number' }) reason!: string;
  @ApiPropertyOptional({ description: 'The offending value, shortened' }) value?: string;
}

export class NormalizedLeadDoc implements NormalizedLead {
  @ApiProperty(text) firstName!: string | null;
  @ApiProperty(text) lastName!: string | null;
  @ApiProperty({ ...text, description: 'Trimmed and lower-cased, kept even when invalid' }) email!: string | null;
  @ApiProperty() emailValid!: boolean;
  @ApiProperty({ ...text, description: 'E.164 when the number could be parsed' }) phone!: string | null;
  @ApiProperty() phoneValid!: boolean;
  @ApiProperty({ ...text, description: 'ISO 3166-1 alpha-2' }) country!: string | null;
  @ApiProperty({ ...text, description: 'ISO 639-1' }) language!: string | null;
  @ApiProperty(text) ip!: string | null;
  @ApiProperty(text) offer!: string | null;
  @ApiProperty(text) clickId!: string | null;
  @ApiProperty(text) creo!: string | null;
  @ApiProperty(text) description!: string | null;
  @ApiProperty(text) domain!: string | null;
  @ApiProperty(text) marker!: string | null;
  @ApiProperty(text) sourcetype!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'Fields the platform does not know, kept as sent' })
  extra!: Record<string, unknown>;
  @ApiProperty({ type: [ParseIssueDoc] }) issues!: ParseIssue[];
}

export class RawLeadDoc {
  @ApiProperty({ example: 'application/json' }) contentType!: string;
  @ApiProperty({ description: 'The body exactly as received (its beginning when truncated)' }) body!: string;
  @ApiProperty() bodyBytes!: number;
  @ApiProperty() truncated!: boolean;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) headers!: Record<string, string>;
}

export class LeadViewDoc extends LeadSummaryDoc implements LeadView {
  @ApiProperty({ example: 'default' }) workspaceId!: string;
  @ApiProperty(text) idempotencyKey!: string | null;
  @ApiProperty({ type: NormalizedLeadDoc }) normalized!: NormalizedLead;
  @ApiProperty({ type: RawLeadDoc }) raw!: RawLeadDoc;
  @ApiProperty({ description: 'True when unknown fields were too large to show (normalized.extra is then empty)' })
  extraTruncated!: boolean;
  @ApiProperty({ type: [ParseIssueDoc] }) issues!: ParseIssue[];
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The contact it is attributed to; null until then' })
  contactId!: string | null;
}
