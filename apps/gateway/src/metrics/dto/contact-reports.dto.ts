import type { ContactCounts, ContactsDailyReport } from '@leadflow/contracts';
import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export class DayRangeQueryDto {
  @ApiProperty({ example: '2026-11-01', description: 'First day (UTC), inclusive' })
  @Matches(DAY, { message: 'from must be a date YYYY-MM-DD' })
  from!: string;

  @ApiProperty({ example: '2026-11-30', description: 'Last day (UTC), inclusive' })
  @Matches(DAY, { message: 'to must be a date YYYY-MM-DD' })
  to!: string;
}

class ContactCountsDoc implements ContactCounts {
  @ApiProperty({ description: 'Contacts made, by leads or by admins' }) created!: number;
  @ApiProperty() deleted!: number;
  @ApiProperty() restored!: number;
}

class ContactDayCountsDoc extends ContactCountsDoc {
  @ApiProperty({ example: '2026-11-01' }) date!: string;
}

export class ContactsDailyReportDoc implements ContactsDailyReport {
  @ApiProperty({ example: '2026-11-01' }) from!: string;
  @ApiProperty({ example: '2026-11-30' }) to!: string;
  @ApiProperty({ type: ContactCountsDoc, description: 'Always the sum of breakdown' }) total!: ContactCountsDoc;
  @ApiProperty({ type: [ContactDayCountsDoc], description: 'Every day of the range, zero-filled' }) breakdown!: ContactDayCountsDoc[];
}
