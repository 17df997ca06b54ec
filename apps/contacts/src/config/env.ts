import { DEFAULT_HTTP_PORTS } from '@leadflow/contracts';
import { PlatformEnv } from '@leadflow/config';
import { Expose, Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';

/** Environment of the contacts app: the platform's variables with its own HTTP port. */
export class ContactsEnv extends PlatformEnv {
  override HTTP_PORT = DEFAULT_HTTP_PORTS.contacts;

  /**
   * How long a background job (an import's slice) holds its claim: a job whose replica died is
   * taken over after this. Each import slice runs for at most a quarter of it.
   */
  @Expose()
  @Type(() => Number)
  @IsInt()
  @Min(1000)
  @Max(3_600_000)
  JOB_LEASE_MS = 60_000;
}
