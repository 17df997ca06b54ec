import { DEFAULT_HTTP_PORTS } from '@leadflow/contracts';
import { PlatformEnv } from '@leadflow/config';

/** Environment of the metrics app: the platform's variables with its own HTTP port. */
export class MetricsEnv extends PlatformEnv {
  override HTTP_PORT = DEFAULT_HTTP_PORTS.metrics;
}
