import type { ServiceName } from './services';

/**
 * The probe routes every app serves on its HTTP port. Deployments point their probes here; the
 * health controller registers exactly these paths.
 */
export const HEALTH_PATHS = {
  /** The process answers; no dependency is checked. */
  live: '/health/live',
  /** The app's database and NATS answer. */
  ready: '/health/ready',
} as const;

/** Prometheus metrics of every app, on the same port as its probes. */
export const METRICS_PATH = '/metrics';

/**
 * The facts a deployment must agree with, printed as JSON by an app's `main.js check-env` for the
 * environment it is given (what it would listen on and sign in as).
 */
export interface ServiceEnvReport {
  service: ServiceName;
  httpPort: number;
  healthPaths: typeof HEALTH_PATHS;
  /** Variables without which the app refuses to start when NODE_ENV is production. */
  requiredInProduction: string[];
  natsUser: string;
  /** The database role in DATABASE_URL. */
  databaseUser: string;
  /** How long a graceful stop may take; a deployment's grace period must be longer. */
  shutdownTimeoutMs: number;
}

/** Environment variables whose values are secrets: never printed, and never literal in a deployment file. */
export const SECRET_VARIABLE = /(PASSWORD|SECRET|_KEY)$/;
