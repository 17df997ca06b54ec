import { DEFAULT_HTTP_PORTS } from '@leadflow/contracts';
import { PlatformEnv } from '@leadflow/config';
import { Expose, Type } from 'class-transformer';
import { IsInt, IsString, Matches, Max, Min, ValidateIf } from 'class-validator';
import { API_KEY_PATTERN } from '../access/api-key';

/** Environment of the gateway app: the platform's variables, the bootstrap credentials and the intake deadline. */
export class GatewayEnv extends PlatformEnv {
  override HTTP_PORT = DEFAULT_HTTP_PORTS.gateway;

  /**
   * An API key (`lf_live_…` or `lf_test_…`) with the admin scopes on the `default` workspace,
   * created on start when set; the launcher sets a development value and prints it.
   */
  @Expose()
  @IsString()
  @ValidateIf((env: GatewayEnv) => env.BOOTSTRAP_ADMIN_KEY !== '')
  @Matches(API_KEY_PATTERN, { message: `$property must look like lf_live_<at least 20 of A-Z a-z 0-9 _ -> (or lf_test_…), or be empty` })
  BOOTSTRAP_ADMIN_KEY = '';

  /** An API key with the intake scope on the `default` workspace (its leads' source is `default`). */
  @Expose()
  @IsString()
  @ValidateIf((env: GatewayEnv) => env.BOOTSTRAP_INTAKE_KEY !== '')
  @Matches(API_KEY_PATTERN, { message: `$property must look like lf_live_<at least 20 of A-Z a-z 0-9 _ -> (or lf_test_…), or be empty` })
  BOOTSTRAP_INTAKE_KEY = '';

  /** Requests per second the bootstrap intake key may send (its burst is twice this). */
  @Expose()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  BOOTSTRAP_INTAKE_RATE_LIMIT = 100;

  /** How long intake waits for ingestion before answering 503 (senders retry with the same key). */
  @Expose()
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(4500)
  INTAKE_TIMEOUT_MS = 3000;
}
