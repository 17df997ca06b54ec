import { HEALTH_PATHS, METRICS_PATH } from '@leadflow/contracts';
import { SetMetadata } from '@nestjs/common';
import type { Permission } from './roles';

export const ACCESS_RULE = 'leadflow:access-rule';

export interface ScopeRule {
  scope: Permission;
  /** Only a signed-in admin account, never an API key (creating workspaces, signing out). */
  accountOnly?: boolean;
  /** `POST /api/lead` only: a request without a key is let in when the default workspace opened it. */
  keylessLegacyIntake?: boolean;
}

/** What a handler declares about who may call it: a scope, or open to anyone. */
export type AccessRule = ScopeRule | { public: true };

export function isPublicRule(rule: AccessRule | undefined): rule is { public: true } {
  return rule !== undefined && 'public' in rule;
}

/** The scope a credential needs for this route (or every route of a controller). */
export const RequireScope = (scope: Permission, options: Omit<ScopeRule, 'scope'> = {}) =>
  SetMetadata(ACCESS_RULE, { scope, ...options } satisfies AccessRule);

/** A route open to anyone, without a credential. A handler with neither this nor a scope is refused to everybody. */
export const Public = () => SetMetadata(ACCESS_RULE, { public: true } satisfies AccessRule);

/**
 * Routes every app serves (probes and metrics, declared in the platform libraries rather than
 * here), open by their path; and the OpenAPI document and UI, served by a Fastify plugin under
 * `/docs`, which no guard sees.
 */
export const PLATFORM_PUBLIC_PATHS: ReadonlySet<string> = new Set<string>([HEALTH_PATHS.live, HEALTH_PATHS.ready, METRICS_PATH]);
export const PUBLIC_ROUTE_PREFIX = '/docs';

export function isPlatformPublicRoute(path: string): boolean {
  return PLATFORM_PUBLIC_PATHS.has(path) || path === PUBLIC_ROUTE_PREFIX || path.startsWith(`${PUBLIC_ROUTE_PREFIX}/`);
}
