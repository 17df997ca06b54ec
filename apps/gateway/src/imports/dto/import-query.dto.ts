import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

export class ImportUploadQueryDto {
  @ApiPropertyOptional({
    description:
      'JSON object of CSV column → field: email, phone, firstName, lastName, company, title, country, tags, or properties.<key>. ' +
      'Without it, columns named like a field (case-insensitive) feed that field and the others are ignored.',
    example: '{"E-Mail":"email","Mobile":"phone","Plan":"properties.plan"}',
  })
  @IsOptional()
  @IsString()
  @MaxLength(20_000)
  mapping?: string;

  @ApiPropertyOptional({ description: 'A name to show for the file' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  fileName?: string;
}

export class ImportIssuesQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit = 100;

  @ApiPropertyOptional({ description: 'nextAfterRow of the previous page', minimum: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  afterRow = 0;
}
