import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { SCOPES, type KeyEnvironment, type Scope } from '../../auth/api-key';
import { ROLES, type Role } from '../../auth/roles';

/** A key's name becomes the source of the leads it sends: printable, no leading space. */
/** An origin as browsers send it in `Origin`: scheme, host and optional port. */
const ORIGIN_PATTERN = /^https?:\/\/[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?$/;

export const KEY_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9 ._:@-]{0,99}$/;

export class CreateApiKeyDto {
  @ApiProperty({ example: 'landing-pages', description: 'Unique among the live keys of the workspace; the source of the leads it sends' })
  @IsString()
  @Matches(KEY_NAME_PATTERN, { message: 'name must be 1 to 100 of letters, digits, space and . _ : @ -, starting with a letter or digit' })
  name!: string;

  @ApiProperty({ enum: SCOPES, isArray: true, example: ['intake'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(SCOPES, { each: true, message: `each value in scopes must be one of ${SCOPES.join(', ')}` })
  scopes!: Scope[];

  @ApiPropertyOptional({ enum: ['live', 'test'], default: 'live', description: 'The key starts with lf_live_ or lf_test_' })
  @IsOptional()
  @IsIn(['live', 'test'])
  environment: KeyEnvironment = 'live';

  @ApiPropertyOptional({ minimum: 1, maximum: 100000, description: 'Requests per second this key may send (default for intake: 100)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100000)
  rateLimitPerSecond?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 200000, description: 'Requests allowed at once above the rate (default: twice the rate)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(200000)
  rateLimitBurst?: number;

  @ApiPropertyOptional({
    type: [String],
    example: ['https://www.example.com'],
    description: 'A browser key, safe to publish: scopes must be ["events"], and requests must come from one of these origins',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ArrayUnique()
  @Matches(ORIGIN_PATTERN, { each: true, message: 'each value in allowedOrigins must be an origin: scheme://host[:port], no path' })
  allowedOrigins?: string[];

  @ApiPropertyOptional({
    example: 'https://track.example.net/postback?click={lead_id}&status={stage}',
    maxLength: 2048,
    description:
      'intake keys: a GET sent (as a webhook delivery, retried) when a lead of this key changes stage or is converted; ' +
      'placeholders {event}, {stage}, {from_stage}, {lead_id}, {contact_id}, {click_id}, {source}, {offer}, {occurred_at} in the path or query',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  postbackUrl?: string;
}

export class UpdateWorkspaceDto {
  @ApiPropertyOptional({ example: 'Acme' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ description: 'Default workspace only: POST /api/lead takes leads without a key (off by default)' })
  @IsOptional()
  @IsBoolean()
  legacyIntakeOpen?: boolean;
}

export class AddAdminDto {
  @ApiProperty({ example: 'viewer@example.com' })
  @IsEmail()
  @MaxLength(320)
  email!: string;

  @ApiPropertyOptional({ description: 'Needed when the account does not exist yet; 12 characters or more', minLength: 12 })
  @IsOptional()
  @IsString()
  @MinLength(12)
  @MaxLength(1024)
  password?: string;

  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES)
  role!: Role;
}

export class CreateWorkspaceDto {
  @ApiProperty({ example: 'Acme' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name!: string;
}
