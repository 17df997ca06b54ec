import { DEFAULT_HTTP_PORTS } from '@leadflow/contracts';
import { PlatformEnv } from '@leadflow/config';

/** Environment of the scoring app: the platform's variables with its own HTTP port. */
export class ScoringEnv extends PlatformEnv {
  override HTTP_PORT = DEFAULT_HTTP_PORTS.scoring;
}
