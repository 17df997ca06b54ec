import type { LeadsDailyReport, LeadsSummaryReport, LeadsWeeklyReport, Stage } from '@leadflow/contracts';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

class ReportFiltersDoc {
  @ApiPropertyOptional() source?: string;
  @ApiPropertyOptional() offer?: string;
  @ApiPropertyOptional({ description: 'ISO 3166-1 alpha-2' }) country?: string;
}

class StageEntriesDoc implements Record<Stage, number> {
  @ApiProperty() cold!: number;
  @ApiProperty() warm!: number;
  @ApiProperty() hot!: number;
  @ApiProperty() qualified!: number;
}

class LeadsReportDoc {
  @ApiProperty({ example: '2026-11-01' }) from!: string;
  @ApiProperty({ example: '2026-11-30' }) to!: string;
  @ApiProperty({ type: ReportFiltersDoc }) filters!: ReportFiltersDoc;
  @ApiProperty({ description: 'Always the sum of breakdown' }) total!: number;
  @ApiProperty() newContacts!: number;
  @ApiProperty() returningContacts!: number;
  @ApiProperty({ type: StageEntriesDoc, description: 'Contacts that entered each stage in the range' }) stageEntries!: StageEntriesDoc;
}

class SourceCountDoc {
  @ApiProperty({ example: 'landing-pages' }) source!: string;
  @ApiProperty() count!: number;
}

class DayCountDoc {
  @ApiProperty({ example: '2026-11-01' }) date!: string;
  @ApiProperty() count!: number;
}

class WeekCountDoc {
  @ApiProperty({ example: '2026-11-02', description: 'The Monday the week starts on (UTC)' }) weekStart!: string;
  @ApiProperty() count!: number;
}

export class LeadsSummaryReportDoc extends LeadsReportDoc implements LeadsSummaryReport {
  @ApiProperty({ type: [SourceCountDoc] }) breakdown!: SourceCountDoc[];
}

export class LeadsDailyReportDoc extends LeadsReportDoc implements LeadsDailyReport {
  @ApiProperty({ type: [DayCountDoc] }) breakdown!: DayCountDoc[];
}

export class LeadsWeeklyReportDoc extends LeadsReportDoc implements LeadsWeeklyReport {
  @ApiProperty({ type: [WeekCountDoc] }) breakdown!: WeekCountDoc[];
}
