import { ACTIVITY_KINDS, type ActivityKind, type IngestActivitiesRequest } from '@leadflow/contracts';
import { IsIn, IsOptional, IsString, MaxLength, ValidateIf } from 'class-validator';
import { IntakeRequestMetaDto } from '../../leads/dto/intake-request.dto';

export class IngestActivitiesDto extends IntakeRequestMetaDto implements IngestActivitiesRequest {
  @IsIn(['event', 'batch'])
  shape!: 'event' | 'batch';

  @ValidateIf((_o: object, value: unknown) => value !== null)
  @IsIn(ACTIVITY_KINDS)
  defaultKind!: ActivityKind | null;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  requestId!: string | null;
}
