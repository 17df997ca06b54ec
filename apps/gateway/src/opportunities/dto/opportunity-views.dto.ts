import type { OpportunityStatus, OpportunityView, StageMoveView } from '@leadflow/contracts';
import { ApiProperty } from '@nestjs/swagger';
import { ErrorBodyDoc } from '../../http/error-body.doc';
import { PageDoc } from '../../http/page.dto';
import { MoneyDoc } from './opportunity.dto';

export class OpportunityViewDoc implements OpportunityView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ format: 'uuid' }) contactId!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) leadId!: string | null;
  @ApiProperty({ type: MoneyDoc }) amount!: MoneyDoc;
  @ApiProperty({ example: '1299.00', description: 'The amount in major units, with every decimal of its currency' }) amountMajor!: string;
  @ApiProperty({ format: 'uuid' }) pipelineId!: string;
  @ApiProperty({ example: 'qualified_to_buy' }) stage!: string;
  @ApiProperty({ enum: ['open', 'won', 'lost'] }) status!: OpportunityStatus;
  @ApiProperty({ minimum: 0, maximum: 100 }) probability!: number;
  @ApiProperty() probabilityOverridden!: boolean;
  @ApiProperty({ type: String, nullable: true, example: '2026-12-31' }) expectedCloseDate!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) ownerId!: string | null;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Set when moved to a closed stage, cleared when reopened',
  })
  closedAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) lostReason!: string | null;
  @ApiProperty({ description: 'Also the ETag: "<version>"' }) version!: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty({ type: String, nullable: true, example: 'key:0193b0f4-5d2a-7c3e-9a1b-2f4e6d8c0a12' }) createdBy!: string | null;
  @ApiProperty({ type: String, nullable: true }) updatedBy!: string | null;
}

export class OpportunityPage extends PageDoc(OpportunityViewDoc) {}

/** 412 `version_conflict`: the opportunity as it is now, its ETag in the header. */
export class OpportunityConflictDoc extends ErrorBodyDoc {
  @ApiProperty({ type: OpportunityViewDoc }) current!: OpportunityViewDoc;
}

export class StageMoveDoc implements StageMoveView {
  @ApiProperty({ description: 'The version the move made' }) version!: number;
  @ApiProperty({ format: 'uuid' }) pipelineId!: string;
  @ApiProperty({ type: String, nullable: true, description: 'Null for the stage it was created in' }) fromStage!: string | null;
  @ApiProperty() toStage!: string;
  @ApiProperty({ description: 'It left a closed stage for an open one' }) reopened!: boolean;
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({ type: String, nullable: true }) by!: string | null;
}

export class StageHistoryDoc {
  @ApiProperty({ type: [StageMoveDoc], description: 'Oldest first' }) items!: StageMoveDoc[];
}
