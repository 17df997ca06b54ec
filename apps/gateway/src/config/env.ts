import { DEFAULT_HTTP_PORTS, MAX_IMPORT_BYTES } from '@leadflow/contracts';
import { PlatformEnv } from '@leadflow/config';
import { Expose, Type } from 'class-transformer';
import { IsEmail, IsIn, IsInt, IsString, Matches, Max, Min, MinLength, ValidateIf } from 'class-validator';

/** What an API key looks like (see `auth/api-key.ts`); the bootstrap keys are checked against it at start. */
export const API_KEY_PATTERN = /^lf_(live|test)_[A-Za-z0-9_-]{20,200}$/;

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

  /** Requests per second the bootstrap admin key may send (its burst is twice this). */
  @Expose()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  BOOTSTRAP_ADMIN_RATE_LIMIT = 100;

  /** Requests per second the bootstrap intake key may send (its burst is twice this). */
  @Expose()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  BOOTSTRAP_INTAKE_RATE_LIMIT = 100;

  /** Email of the `default` workspace's owner account, created on start when set (with BOOTSTRAP_ADMIN_PASSWORD). */
  @Expose()
  @IsString()
  @ValidateIf((env: GatewayEnv) => env.BOOTSTRAP_ADMIN_EMAIL !== '')
  @IsEmail({}, { message: '$property must be an email address, or empty' })
  BOOTSTRAP_ADMIN_EMAIL = '';

  /** Password of the bootstrap owner; setting another one replaces it on the next start. */
  @Expose()
  @IsString()
  @ValidateIf((env: GatewayEnv) => env.BOOTSTRAP_ADMIN_EMAIL !== '' || env.BOOTSTRAP_ADMIN_PASSWORD !== '')
  @MinLength(12, { message: '$property must be at least 12 characters when BOOTSTRAP_ADMIN_EMAIL is set' })
  BOOTSTRAP_ADMIN_PASSWORD = '';

  /**
   * Secret that signs admin access tokens (HS256), the same on every replica, 32 characters or
   * more. Empty disables admin sign-in (API keys keep working); the launcher sets a development one.
   */
  @Expose()
  @IsString()
  @ValidateIf((env: GatewayEnv) => env.AUTH_TOKEN_SECRET !== '')
  @MinLength(32, { message: '$property must be at least 32 characters (or empty to disable admin sign-in)' })
  AUTH_TOKEN_SECRET = '';

  /** Lifetime of an admin access token. */
  @Expose()
  @Type(() => Number)
  @IsInt()
  @Min(60)
  @Max(86_400)
  ACCESS_TOKEN_TTL_SECONDS = 900;

  /** Lifetime of an admin session (its refresh token); each refresh starts it again. */
  @Expose()
  @Type(() => Number)
  @IsInt()
  @Min(300)
  @Max(90 * 86_400)
  REFRESH_TOKEN_TTL_SECONDS = 30 * 86_400;

  /** Origins allowed to call the API from a browser, comma-separated (`*` for any); empty: no CORS headers. */
  @Expose()
  @IsString()
  CORS_ORIGINS = '';

  /** How long intake waits for ingestion before answering 503 (senders retry with the same key). */
  @Expose()
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(4500)
  INTAKE_TIMEOUT_MS = 3000;

  /**
   * Intake groups a gateway has out at ingestion at once. While all are out, new single-lead
   * requests wait for the first answer and then leave together, so that the busier ingestion is,
   * the larger and fewer its transactions. Two by default, the second used only by a group of at
   * least INTAKE_OVERLAP_MIN_LEADS: a request that finds the gateway idle leaves at once, and under
   * load a large group is stored while the previous one commits. Raise it where several ingestion
   * replicas serve few gateways.
   */
  @Expose()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(16)
  INTAKE_GROUPS_IN_FLIGHT = 2;

  /**
   * While a group is out at ingestion, a further one leaves only once this many requests wait
   * (1: as soon as a slot is free). Small groups cost ingestion and its PostgreSQL more per lead (in
   * five alternating pairs of lead benches without this floor, one group out at a time took 8–22 %
   * less CPU per lead in ingestion than two); with it, two groups overlap only under load, when one
   * can be stored while the other commits. In eight alternating pairs of lead benches against one
   * group out (four full, four platform-only), the platform answered 3.8 % and 6.8 % more requests
   * per second on average, its CPUs 94 % busy against 92 %, for the same CPU per lead in
   * load-generator units (18.6–19.3 and 17.2–17.9 against 18.8–19.2 and 17.1–17.6). A floor of 8
   * could not be told apart from 16 (three pairs).
   */
  @Expose()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  INTAKE_OVERLAP_MIN_LEADS = 16;

  /**
   * CRM webhooks a second one integration may send (twice as many in a burst, counted across the
   * replicas); over it, 429 `rate_limited` with Retry-After, which senders retry. Nothing over it is
   * stored, so one integration cannot crowd out the others.
   */
  @Expose()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  WEBHOOK_RATE_LIMIT_PER_SECOND = 200;

  /** How long an integration's previous webhook secret keeps working after a rotation, in seconds. */
  @Expose()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(30 * 86_400)
  INTEGRATION_SECRET_OVERLAP_SECONDS = 86_400;

  /** Largest CSV file `POST /api/v1/imports` takes (413 `payload_too_large` above); at most 100 MiB. */
  @Expose()
  @Type(() => Number)
  @IsInt()
  @Min(1024)
  @Max(MAX_IMPORT_BYTES)
  IMPORT_MAX_BYTES = MAX_IMPORT_BYTES;

  /**
   * `true` lets webhook endpoints resolve to loopback and private networks (the launcher and the
   * tests, whose receivers run locally); link-local (cloud metadata), multicast and unspecified
   * addresses stay refused.
   */
  @Expose()
  @IsIn(['true', 'false'], { message: '$property must be true or false' })
  WEBHOOK_ALLOW_PRIVATE_TARGETS = 'false';

  /**
   * Delays before the 2nd, 3rd… attempt of a webhook delivery, in ms, comma-separated; each is
   * jittered by ±10 %. Default: Svix's schedule (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h).
   */
  @Expose()
  @Matches(/^\d+(,\d+){0,19}$/, { message: '$property must be a comma-separated list of milliseconds' })
  WEBHOOK_RETRY_DELAYS_MS = '5000,300000,1800000,7200000,18000000,36000000,36000000';

  /** An endpoint whose attempts have failed without a success for this long is disabled (default 5 days). */
  @Expose()
  @Type(() => Number)
  @IsInt()
  @Min(1000)
  WEBHOOK_DISABLE_AFTER_FAILING_MS = 5 * 86_400_000;

  /** The longest `Retry-After` (429, 503) a delivery waits for; longer ones are cut to this. */
  @Expose()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(86_400_000)
  WEBHOOK_RETRY_AFTER_MAX_MS = 3_600_000;

  /** How long one delivery attempt may take, connection to last byte. */
  @Expose()
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(60_000)
  WEBHOOK_TIMEOUT_MS = 15_000;

  /**
   * Attempts in flight at once to one endpoint per process, a slot free again when the receiver has
   * answered (a slow endpoint holds its own slots, never others'); across replicas at most three
   * times as many deliveries are leased.
   */
  @Expose()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  WEBHOOK_CONCURRENCY_PER_ENDPOINT = 16;

  /**
   * Deliveries held at once in one gateway process, all endpoints together: attempted or next in
   * line. An endpoint holds at most three per slot (48 by default), so slow endpoints fill this only
   * when there are many of them at once.
   */
  @Expose()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10_000)
  WEBHOOK_CONCURRENCY = 512;

  /** How often the delivery loop looks for retries that came due (new deliveries wake it at once). */
  @Expose()
  @Type(() => Number)
  @IsInt()
  @Min(10)
  @Max(60_000)
  WEBHOOK_POLL_INTERVAL_MS = 500;

  /** How long an endpoint's previous signing secret keeps signing after a rotation, in seconds. */
  @Expose()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(30 * 86_400)
  WEBHOOK_SECRET_OVERLAP_SECONDS = 86_400;
}
