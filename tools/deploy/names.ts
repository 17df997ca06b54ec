/** Names that the deployment files, the code that renders them and their tests agree on. */
import type { ServiceName } from '@leadflow/contracts';

/** The database every deployment uses; the apps' roles are `leadflow_<app>`. */
export const DEPLOYED_DATABASE = 'leadflow';
/** Secret holding each app's database and NATS passwords (created by the operator, never committed). */
export const APP_CREDENTIALS_SECRET = 'leadflow-app-credentials';
/** Secret holding the gateway's bootstrap credentials and token secret (every key optional). */
export const GATEWAY_SECRET = 'leadflow-gateway';
/** ConfigMap shared by every app: NATS address, database host, log level, JetStream replicas. */
export const PLATFORM_CONFIG = 'leadflow-platform';

/** The Secret key an app's database password is read from (also the docker-compose variable). */
export function databasePasswordKey(service: ServiceName): string {
  return `${service.toUpperCase()}_DATABASE_PASSWORD`;
}

/** The Secret key an app's NATS password is read from (also the NATS server's variable). */
export function natsPasswordKey(service: ServiceName): string {
  return `NATS_${service.toUpperCase()}_PASSWORD`;
}
