import { ERASURE_APPS, type ErasureApp, type ErasureStep, type ErasureView, type PersonExport } from '@leadflow/contracts';
import { ApiProperty } from '@nestjs/swagger';

export class ErasureStepDoc implements ErasureStep {
  @ApiProperty({ enum: ERASURE_APPS }) app!: ErasureApp;
  @ApiProperty({ format: 'date-time' }) completedAt!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: { oneOf: [{ type: 'number' }, { type: 'string' }, { type: 'boolean' }] },
    example: { leadsRedacted: 2, suppressionsAdded: 2 },
    description: 'What the app redacted, removed or kept, by kind',
  })
  summary!: Record<string, number | string | boolean>;
}

export class ErasureViewDoc implements ErasureView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'default' }) workspaceId!: string;
  @ApiProperty({ format: 'uuid' }) contactId!: string;
  @ApiProperty({ example: 'account:0190a5b2-0000-7000-8000-000000000001', description: 'Who asked for the erasure' })
  requestedBy!: string;
  @ApiProperty({ format: 'date-time' }) requestedAt!: string;
  @ApiProperty({ type: [String], format: 'uuid' }) leadIds!: string[];
  @ApiProperty({ type: [String], format: 'uuid', description: 'Contacts merged into the erased one' }) mergedContactIds!: string[];
  @ApiProperty({ type: [String], description: 'sha256 of "email:<normalized email>", now suppressed' }) emailHashes!: string[];
  @ApiProperty({ type: [String], description: 'sha256 of "phone:<E.164>", now suppressed' }) phoneHashes!: string[];
  @ApiProperty({ enum: ['pending', 'completed'], description: 'completed once every app recorded its step' })
  status!: 'pending' | 'completed';
  @ApiProperty({ type: [ErasureStepDoc] }) steps!: ErasureStep[];
  @ApiProperty({ enum: ERASURE_APPS, isArray: true, description: 'Apps whose step is not recorded yet' }) pendingApps!: ErasureApp[];
}

const anyObject = { type: 'object', additionalProperties: true } as const;

export class PersonExportDoc implements PersonExport {
  @ApiProperty({ format: 'date-time' }) exportedAt!: string;
  @ApiProperty({ example: 'default' }) workspaceId!: string;
  @ApiProperty({ format: 'uuid', description: 'The contact exported (a merged id answers its survivor)' }) contactId!: string;
  @ApiProperty({ ...anyObject, description: 'contacts: the contact row, identities, lead ids, merged contacts, erasure' })
  contacts!: PersonExport['contacts'];
  @ApiProperty({
    ...anyObject,
    description: 'ingestion: each lead, raw (body cut to 64 KiB) and normalized; refused requests naming the person',
  })
  ingestion!: PersonExport['ingestion'];
  @ApiProperty({ ...anyObject, description: 'scoring: the score row and its history' }) scoring!: PersonExport['scoring'];
  @ApiProperty({ ...anyObject, description: "gateway: the audit log's entries about the contact" }) gateway!: PersonExport['gateway'];
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, description: 'Apps that hold nothing about a person, and why' })
  notHeld!: Record<string, string>;
}
