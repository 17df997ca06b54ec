export interface HealthOptions {
  /** How long each dependency may take to answer a readiness check. */
  timeoutMs: number;
}

export const HEALTH_OPTIONS = Symbol('HEALTH_OPTIONS');
