import { type ImportIssue, type ImportIssuePage, type ImportStatus, type ImportView } from '@leadflow/contracts';
import { ApiProperty } from '@nestjs/swagger';
import { PageDoc } from '../../http/page.dto';

const STATUSES: ImportStatus[] = ['uploading', 'queued', 'running', 'completed', 'failed'];

export class ImportFailureDoc {
  @ApiProperty({ example: 'missing_columns' }) code!: string;
  @ApiProperty() message!: string;
}

export class ImportViewDoc implements ImportView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'default' }) workspaceId!: string;
  @ApiProperty({ enum: STATUSES, description: 'uploading while the file arrives, then queued, running, completed or failed' })
  status!: ImportStatus;
  @ApiProperty({ type: String, nullable: true }) fileName!: string | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    nullable: true,
    description: 'CSV column → field, as given; null: header names equal to field names',
  })
  mapping!: Record<string, string> | null;
  @ApiProperty({ example: 'key:0190…', description: 'The credential that uploaded it' }) createdBy!: string;
  @ApiProperty({ description: 'Size of the file' }) bytes!: number;
  @ApiProperty({ description: 'Data rows read so far (the header is not one)' }) rowsDone!: number;
  @ApiProperty({ description: 'Contacts created' }) created!: number;
  @ApiProperty({ description: 'Rows whose email or phone already belonged to a contact' }) duplicates!: number;
  @ApiProperty({ description: 'Rows not imported because of an error' }) errors!: number;
  @ApiProperty({ type: ImportFailureDoc, nullable: true, description: 'Why a failed import stopped' })
  failure!: ImportFailureDoc | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) startedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) completedAt!: string | null;
}

export class ImportPage extends PageDoc(ImportViewDoc) {}

export class ImportIssueDoc implements ImportIssue {
  @ApiProperty({ description: '1 is the first data row after the header' }) row!: number;
  @ApiProperty({ type: String, nullable: true }) column!: string | null;
  @ApiProperty({ example: 'duplicate' }) code!: string;
  @ApiProperty() message!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The contact the row duplicates' }) contactId!: string | null;
  @ApiProperty({ description: 'The row as it was in the file' }) raw!: string;
}

export class ImportIssuePageDoc implements ImportIssuePage {
  @ApiProperty({ type: [ImportIssueDoc] }) items!: ImportIssue[];
  @ApiProperty({ type: Number, nullable: true, description: 'Pass as afterRow for the next page; null on the last one' })
  nextAfterRow!: number | null;
}
