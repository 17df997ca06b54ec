import type { ActivityCounts, ActivityDailyReport, StageCounts } from '@leadflow/contracts';
import { ApiProperty } from '@nestjs/swagger';

class StageCountsDoc implements StageCounts {
  @ApiProperty() cold!: number;
  @ApiProperty() warm!: number;
  @ApiProperty() hot!: number;
  @ApiProperty() qualified!: number;
}

class ActivityCountsDoc implements ActivityCounts {
  @ApiProperty({ description: 'Activities attributed to contacts; always the sum of byName' }) events!: number;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    example: { page_view: 120, signup: 4 },
    description: 'Activities per event name, on the UTC day they occurred',
  })
  byName!: Record<string, number>;

  @ApiProperty({ type: StageCountsDoc, description: 'Stage changes into each stage' }) stageEntries!: StageCountsDoc;

  @ApiProperty({
    type: StageCountsDoc,
    description: 'The funnel cold → warm → hot → qualified: contacts reaching each stage (or passing it upwards) for the first time',
  })
  funnel!: StageCountsDoc;
}

class ActivityDayCountsDoc extends ActivityCountsDoc {
  @ApiProperty({ example: '2026-11-01' }) date!: string;
}

export class ActivityDailyReportDoc implements ActivityDailyReport {
  @ApiProperty({ example: '2026-11-01' }) from!: string;
  @ApiProperty({ example: '2026-11-30' }) to!: string;
  @ApiProperty({ type: ActivityCountsDoc, description: 'Always the sum of breakdown' }) total!: ActivityCountsDoc;
  @ApiProperty({ type: [ActivityDayCountsDoc], description: 'Every day of the range, zero-filled' }) breakdown!: ActivityDayCountsDoc[];
}
