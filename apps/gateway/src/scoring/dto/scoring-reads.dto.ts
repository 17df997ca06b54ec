import { type ContactInsightsView, DEFAULT_PAGE_SIZE, type LeaderboardEntry, MAX_PAGE_SIZE, type Stage, STAGES } from '@leadflow/contracts';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { PageDoc } from '../../http/page.dto';

export class LeaderboardQueryDto {
  @ApiPropertyOptional({ enum: STAGES })
  @IsOptional()
  @IsIn(STAGES)
  stage?: Stage;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit: number = DEFAULT_PAGE_SIZE;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

export class LeaderboardEntryDoc implements LeaderboardEntry {
  @ApiProperty({ format: 'uuid' }) contactId!: string;
  @ApiProperty({ example: 40 }) score!: number;
  @ApiProperty({ enum: STAGES }) stage!: Stage;
}

export class LeaderboardPage extends PageDoc(LeaderboardEntryDoc) {}

class VelocityDoc {
  @ApiProperty({ description: 'Points in the last 7 days' }) last7Days!: number;
  @ApiProperty({ description: 'Points in the 7 days before' }) previous7Days!: number;
  @ApiProperty({ enum: ['up', 'down', 'flat'] }) trend!: 'up' | 'down' | 'flat';
}

export class ContactInsightsDoc implements ContactInsightsView {
  @ApiProperty({ format: 'uuid' }) contactId!: string;
  @ApiProperty() score!: number;
  @ApiProperty({ enum: STAGES }) stage!: Stage;
  @ApiProperty({ type: VelocityDoc }) velocity!: VelocityDoc;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastActivityAt!: string | null;
  @ApiProperty({ type: Number, nullable: true }) daysSinceLastActivity!: number | null;
  @ApiProperty({ description: 'Hot or qualified, but silent for SCORING_RISK_SILENT_DAYS days' }) atRisk!: boolean;
  @ApiProperty({
    enum: ['re_engage', 'hand_to_sales', 'offer_demo', 'send_case_study', 'nurture', 'welcome_sequence', 'wait'],
    description:
      'The first that applies: re_engage (at risk), hand_to_sales (qualified), offer_demo (hot), send_case_study (warm and gaining), nurture (warm), welcome_sequence (cold, active this week), wait',
  })
  nextAction!: string;
}
