import type { ClosedDealsDailyReport, DealFunnelCounts, DealFunnelReport, PipelineValueReport } from '@leadflow/contracts';
import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const AMOUNT = { example: '129900', description: 'Minor units as a string, exact (sums may exceed 64 bits)' } as const;

export class DealDaysQueryDto {
  @ApiProperty({ example: '2026-11-01', description: 'First day (UTC), inclusive' })
  @Matches(DAY, { message: 'from must be a date YYYY-MM-DD' })
  from!: string;

  @ApiProperty({ example: '2026-11-30', description: 'Last day (UTC), inclusive' })
  @Matches(DAY, { message: 'to must be a date YYYY-MM-DD' })
  to!: string;
}

class PipelineValueRowDoc {
  @ApiProperty({ format: 'uuid' }) pipelineId!: string;
  @ApiProperty({ example: 'contract_sent' }) stage!: string;
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty() count!: number;
  @ApiProperty(AMOUNT) amount!: string;
}

class CurrencyValueDoc {
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty() count!: number;
  @ApiProperty(AMOUNT) amount!: string;
}

export class PipelineValueReportDoc implements PipelineValueReport {
  @ApiProperty({ type: [PipelineValueRowDoc], description: 'Open opportunities per pipeline, stage and currency' })
  breakdown!: PipelineValueRowDoc[];
  @ApiProperty({ type: [CurrencyValueDoc], description: 'Per currency, the sum of its breakdown rows' })
  totals!: CurrencyValueDoc[];
}

class ClosedSumsDoc {
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty() wonCount!: number;
  @ApiProperty(AMOUNT) wonAmount!: string;
  @ApiProperty() lostCount!: number;
  @ApiProperty(AMOUNT) lostAmount!: string;
}

class ClosedDayDoc extends ClosedSumsDoc {
  @ApiProperty({ example: '2026-11-02' }) date!: string;
}

export class ClosedDealsDailyReportDoc implements ClosedDealsDailyReport {
  @ApiProperty() from!: string;
  @ApiProperty() to!: string;
  @ApiProperty({ type: [ClosedDayDoc], description: 'Per UTC day of closing and currency; days without deals are left out' })
  breakdown!: ClosedDayDoc[];
  @ApiProperty({ type: [ClosedSumsDoc], description: 'Per currency, the sum of its breakdown rows' })
  totals!: ClosedSumsDoc[];
}

class FunnelCountsDoc implements DealFunnelCounts {
  @ApiProperty({ description: 'Leads attributed to a contact' }) leads!: number;
  @ApiProperty({ description: 'Leads converted' }) contacts!: number;
  @ApiProperty({ description: 'Live opportunities counted under the lead they came from' }) opportunities!: number;
  @ApiProperty({ description: 'Of those, won' }) won!: number;
}

class FunnelRowDoc extends FunnelCountsDoc {
  @ApiProperty({ example: 'landing-pages', description: "The lead's source; '' when metrics does not know the lead" }) source!: string;
  @ApiProperty({ example: 'spring', description: "The lead's offer; '' when none" }) offer!: string;
}

export class DealFunnelReportDoc implements DealFunnelReport {
  @ApiProperty({ type: [FunnelRowDoc] }) breakdown!: FunnelRowDoc[];
  @ApiProperty({ type: FunnelCountsDoc, description: 'The sum of the breakdown' }) total!: FunnelCountsDoc;
}
