import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export class ReportQueryDto {
  @ApiProperty({ example: '2026-11-01', description: 'First day (UTC), inclusive' })
  @Matches(DAY, { message: 'from must be a date YYYY-MM-DD' })
  from!: string;

  @ApiProperty({ example: '2026-11-30', description: 'Last day (UTC), inclusive' })
  @Matches(DAY, { message: 'to must be a date YYYY-MM-DD' })
  to!: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(128)
  source?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(500)
  offer?: string;

  @ApiPropertyOptional({ description: 'ISO 3166 code or English name' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  country?: string;
}
