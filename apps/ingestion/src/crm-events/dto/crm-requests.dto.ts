import {
  type AcmeFieldMapping,
  CRM_EVENT_STATUSES,
  type CrmEventListQuery,
  type CrmEventStatus,
  type CrmIntegrationRef,
  type CrmVerificationOutcome,
  INTEGRATION_KINDS,
  type IntegrationKind,
  MAX_PAGE_SIZE,
  type ReplayCrmEventsRequest,
  type RetryCrmEventRequest,
  type SetCrmIntegrationPausedRequest,
  type StoreCrmWebhookRequest,
} from '@leadflow/contracts';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { EncodedBodyDto } from '../../leads/dto/intake-request.dto';

export class CrmIntegrationRefDto implements CrmIntegrationRef {
  @IsUUID()
  id!: string;

  @IsString()
  @Length(1, 64)
  workspaceId!: string;

  @IsIn(INTEGRATION_KINDS)
  kind!: IntegrationKind;

  /** Validated by the gateway when it was saved. */
  @IsOptional()
  @IsObject()
  mapping!: AcmeFieldMapping | null;

  @IsBoolean()
  paused!: boolean;
}

export class StoreCrmWebhookDto implements StoreCrmWebhookRequest {
  @ValidateNested()
  @Type(() => CrmIntegrationRefDto)
  integration!: CrmIntegrationRefDto;

  @IsISO8601({ strict: true })
  receivedAt!: string;

  @IsObject()
  headers!: Record<string, string>;

  @ValidateNested()
  @Type(() => EncodedBodyDto)
  body!: EncodedBodyDto;

  @IsObject()
  verification!: CrmVerificationOutcome;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  requestId!: string | null;
}

export class CrmEventListDto implements CrmEventListQuery {
  @IsString()
  @Length(1, 64)
  workspaceId!: string;

  @IsUUID()
  integrationId!: string;

  @IsOptional()
  @IsIn(CRM_EVENT_STATUSES)
  status?: CrmEventStatus;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  type?: string;

  @IsOptional()
  @IsISO8601()
  from?: string;

  @IsOptional()
  @IsISO8601()
  to?: string;

  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit!: number;

  @IsOptional()
  @IsUUID()
  cursor?: string;
}

class IntegrationRequestDto {
  @ValidateNested()
  @Type(() => CrmIntegrationRefDto)
  integration!: CrmIntegrationRefDto;
}

export class SetCrmIntegrationPausedDto extends IntegrationRequestDto implements SetCrmIntegrationPausedRequest {
  @IsBoolean()
  paused!: boolean;
}

export class RetryCrmEventDto extends IntegrationRequestDto implements RetryCrmEventRequest {
  @IsUUID()
  eventId!: string;
}

export class ReplayCrmEventsDto extends IntegrationRequestDto implements ReplayCrmEventsRequest {
  @IsISO8601()
  from!: string;

  @IsISO8601()
  to!: string;

  @IsOptional()
  @IsIn(CRM_EVENT_STATUSES)
  status?: CrmEventStatus;
}

export class CrmIntegrationOnlyDto extends IntegrationRequestDto {}
