import { ApiProperty } from '@nestjs/swagger';
import { PageDoc } from '../../http/page.dto';

export class AuditEntryView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty() workspaceId!: string;
  @ApiProperty({ example: 'key:0193b0f4-5d2a-7c3e-9a1b-2f4e6d8c0a12', description: '`key:<id>` or `account:<id>`' }) actor!: string;
  @ApiProperty({ example: 'api_key.create' }) action!: string;
  @ApiProperty({ example: 'api_key:0193b0f4-5d2a-7c3e-9a1b-2f4e6d8c0a12' }) target!: string;
  @ApiProperty({ type: 'object', nullable: true, additionalProperties: true, description: 'The state before the write' }) before!: unknown;
  @ApiProperty({ type: 'object', nullable: true, additionalProperties: true, description: 'The state after the write' }) after!: unknown;
  @ApiProperty({ type: String, nullable: true }) requestId!: string | null;
}

export class AuditPage extends PageDoc(AuditEntryView) {}
