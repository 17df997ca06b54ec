import type { EncodedBody, IngestBatchRequest, IngestLeadGroupRequest, IngestLeadRequest, IntakeRequestMeta } from '@leadflow/contracts';
import { MAX_BATCH_LEADS, MAX_IDEMPOTENCY_KEY_LENGTH } from '@leadflow/contracts';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  Length,
  MaxLength,
  ValidateNested,
} from 'class-validator';

export class EncodedBodyDto implements EncodedBody {
  @IsIn(['utf8', 'gzip+base64'])
  encoding!: EncodedBody['encoding'];

  @IsString()
  data!: string;
}

export class IntakeRequestMetaDto implements IntakeRequestMeta {
  @IsString()
  @Length(1, 64)
  workspaceId!: string;

  @IsString()
  @Length(1, 128)
  source!: string;

  @IsISO8601({ strict: true })
  receivedAt!: string;

  /** Header values are capped by the HTTP server (16 KiB of headers). */
  @IsString()
  @MaxLength(16 * 1024)
  contentType!: string;

  @IsObject()
  headers!: Record<string, string>;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  remoteAddress!: string | null;

  @ValidateNested()
  @Type(() => EncodedBodyDto)
  body!: EncodedBodyDto;
}

export class IngestLeadDto extends IntakeRequestMetaDto implements IngestLeadRequest {
  @IsOptional()
  @IsString()
  @Length(1, MAX_IDEMPOTENCY_KEY_LENGTH)
  idempotencyKey!: string | null;
}

export class IngestBatchDto extends IntakeRequestMetaDto implements IngestBatchRequest {}

export class IngestLeadGroupItemDto extends IngestLeadDto {
  @IsOptional()
  @IsString()
  @MaxLength(200)
  requestId!: string;
}

export class IngestLeadGroupDto implements IngestLeadGroupRequest {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BATCH_LEADS)
  @ValidateNested({ each: true })
  @Type(() => IngestLeadGroupItemDto)
  items!: IngestLeadGroupItemDto[];
}
