import { AppException, DEFAULT_LEAD_SOURCE, DEFAULT_WORKSPACE_ID, ErrorCodes } from '@leadflow/contracts';
import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ACCESS_RULE, type AccessRule, isPlatformPublicRoute, isPublicRule } from './access-rules';
import { AdminSessionsService } from './admin-sessions.service';
import { API_KEY_PATTERN } from '../config/env';
import { presentedCredential } from './api-key';
import { CredentialStore } from './credential-store';
import { attachPrincipal, type Principal } from './principal';
import { DEFAULT_KEY_RATE_LIMIT, RateLimits } from './rate-limits';

/** A legacy sender without a key, let in because the default workspace opened `/api/lead`; limited per address. */
function keylessLegacySender(request: FastifyRequest): Principal {
  return {
    kind: 'keyless',
    workspaceId: DEFAULT_WORKSPACE_ID,
    scopes: new Set(['intake']),
    actor: 'keyless',
    source: DEFAULT_LEAD_SOURCE,
    rateLimitSubject: `ip:${request.ip}`,
    rateLimit: DEFAULT_KEY_RATE_LIMIT,
  };
}

/**
 * Every HTTP route passes here (a global guard). Each handler declares its rule: `@Public()` or
 * `@RequireScope(...)`; a handler that declares none is refused to every credential (deny by
 * default). Only the platform's own probes and metrics are open by path.
 * 401 when no valid credential is presented, 403 when it lacks the scope, 429 when its rate limit
 * is spent.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly credentials: CredentialStore,
    private readonly rateLimits: RateLimits,
    private readonly sessions: AdminSessionsService,
  ) {}

  /** API keys start with `lf_live_`/`lf_test_`; anything else is taken for an admin access token. */
  private authenticate(credential: string): Promise<Principal | undefined> {
    return API_KEY_PATTERN.test(credential) ? this.credentials.authenticate(credential) : this.sessions.authenticate(credential);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const rule = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_RULE, [context.getHandler(), context.getClass()]);
    if (isPublicRule(rule)) return true;
    if (isPlatformPublicRoute(request.routeOptions.url ?? '')) return true;
    const presented = presentedCredential(request.headers);
    let principal = presented === undefined ? undefined : await this.authenticate(presented);
    if (!principal && presented === undefined && rule?.keylessLegacyIntake && (await this.credentials.legacyIntakeOpen())) {
      principal = keylessLegacySender(request);
    }
    if (!principal) {
      void http.getResponse<FastifyReply>().header('WWW-Authenticate', 'Bearer');
      throw new AppException(
        ErrorCodes.unauthorized,
        presented === undefined
          ? 'Send an API key as X-Api-Key, or an API key or admin access token as Authorization: Bearer'
          : 'The credential is not valid, expired, or was revoked',
      );
    }
    if (!rule) throw new AppException(ErrorCodes.forbidden, 'This route is not open to any credential');
    if (rule.accountOnly && principal.kind !== 'account') {
      throw new AppException(ErrorCodes.forbidden, 'Only a signed-in admin account can do this, not an API key');
    }
    if (!principal.scopes.has(rule.scope)) {
      throw new AppException(ErrorCodes.forbidden, `This credential lacks the "${rule.scope}" scope`);
    }
    if (principal.allowedOrigins && !principal.allowedOrigins.includes((request.headers.origin ?? '').toLowerCase())) {
      throw new AppException(ErrorCodes.originNotAllowed, 'This browser key is not allowed from this origin (see its allowedOrigins)');
    }
    await this.rateLimits.take(principal.rateLimitSubject, principal.rateLimit, http.getResponse<FastifyReply>());
    attachPrincipal(request, principal);
    return true;
  }
}
