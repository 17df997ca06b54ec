import { DEFAULT_HTTP_PORTS } from '@leadflow/contracts';
import { PlatformEnv } from '@leadflow/config';
import { Expose, Type } from 'class-transformer';
import { IsInt, IsString, Max, Min, MinLength, ValidateIf } from 'class-validator';

/** Environment of the gateway app: the platform's variables, the admin key and the intake deadline. */
export class GatewayEnv extends PlatformEnv {
  override HTTP_PORT = DEFAULT_HTTP_PORTS.gateway;

  /**
   * Bearer token of the admin REST API. Empty disables the admin API (every admin call is 401);
   * the launcher sets a development value and prints it.
   */
  @Expose()
  @IsString()
  @ValidateIf((env: GatewayEnv) => env.ADMIN_API_KEY !== '')
  @MinLength(16, { message: '$property must be at least 16 characters (or empty to disable the admin API)' })
  ADMIN_API_KEY = '';

  /** How long intake waits for ingestion before answering 503 (senders retry with the same key). */
  @Expose()
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(4500)
  INTAKE_TIMEOUT_MS = 3000;
}
