import { HEALTH_PATHS, METRICS_PATH } from '@leadflow/contracts';
import { SetMetadata } from '@nestjs/common';
import type { Permission } from './roles';

export const ACCESS_RULE = 'leadflow:access-rule';

export interface AccessRule {
  scope: Permission;
  /** Only a signed-in admin account, never an API key (creating workspaces, signing out). */
  accountOnly?: boolean;
  /** `POST /api/lead` only: a request without a key is let in when the default workspace opened it. */
  keylessLegacyIntake?: boolean;
}

/** The scope a credential needs for this route (or every route of a controller). */
export const RequireScope = (scope: Permission, options: Omit<AccessRule, 'scope'> = {}) =>
  SetMetadata(ACCESS_RULE, { scope, ...options } satisfies AccessRule);

/**
 * Routes open to anyone, by their registered path. Everything else needs a credential: a route
 * without a `RequireScope` is refused to everybody (deny by default).
 */
export const PUBLIC_ROUTES: ReadonlySet<string> = new Set<string>([
  '/health',
  HEALTH_PATHS.live,
  HEALTH_PATHS.ready,
  METRICS_PATH,
  '/api/v1/auth/login',
  '/api/v1/auth/refresh',
]);

/** The OpenAPI document and its UI, served by a Fastify plugin under this prefix, are public too. */
export const PUBLIC_ROUTE_PREFIX = '/docs';

export function isPublicRoute(path: string): boolean {
  return PUBLIC_ROUTES.has(path) || path === PUBLIC_ROUTE_PREFIX || path.startsWith(`${PUBLIC_ROUTE_PREFIX}/`);
}
