import {
  CONTACT_SORTS,
  type ContactSort,
  DEFAULT_PAGE_SIZE,
  LIFECYCLES,
  type Lifecycle,
  MAX_PAGE_SIZE,
  type Stage,
  STAGES,
} from '@leadflow/contracts';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min, ValidateBy, type ValidationArguments } from 'class-validator';

/** An unsorted list's cursor holds an id (at most 64 characters, as every list's); a sorted one's also a sort key. */
const CursorLength = (): PropertyDecorator =>
  ValidateBy({
    name: 'cursorLength',
    validator: {
      validate: (value: unknown, args?: ValidationArguments) =>
        typeof value === 'string' && value.length <= ((args?.object as { sort?: string } | undefined)?.sort ? 2048 : 64),
      defaultMessage: () => 'cursor must be nextCursor of the previous page (at most 64 characters, 2048 when sorted)',
    },
  });

export class ContactsQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit: number = DEFAULT_PAGE_SIZE;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page (of the same sort)' })
  @IsOptional()
  @IsString()
  @CursorLength()
  cursor?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(500)
  email?: string;

  @ApiPropertyOptional({ description: 'International format; normalized to E.164' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  phone?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'The owner: an admin account id' })
  @IsOptional()
  @IsUUID()
  owner?: string;

  @ApiPropertyOptional({ description: 'Contacts carrying this tag' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  tag?: string;

  @ApiPropertyOptional({ enum: STAGES })
  @IsOptional()
  @IsIn(STAGES)
  stage?: Stage;

  @ApiPropertyOptional({ enum: LIFECYCLES })
  @IsOptional()
  @IsIn(LIFECYCLES)
  lifecycle?: Lifecycle;

  @ApiPropertyOptional({ description: 'A day (YYYY-MM-DD, UTC) or an ISO instant: contacts updated since then' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  updatedSince?: string;

  @ApiPropertyOptional({ description: 'Free text, matched in first name, last name and company' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;

  @ApiPropertyOptional({ enum: CONTACT_SORTS, description: 'Without it: newest first' })
  @IsOptional()
  @IsIn(CONTACT_SORTS)
  sort?: ContactSort;

  @ApiPropertyOptional({ enum: ['asc', 'desc'], default: 'desc' })
  @IsOptional()
  @IsIn(['asc', 'desc'])
  order?: 'asc' | 'desc';

  @ApiPropertyOptional({ enum: ['deleted'], description: 'deleted: soft-deleted contacts are listed too' })
  @IsOptional()
  @IsIn(['deleted'])
  include?: 'deleted';
}
