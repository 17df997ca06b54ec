import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { RateLimit } from './rate-limits';
import type { Permission, Role } from './roles';

/** Who is calling, established by the access guard from the request's credential. */
export interface Principal {
  kind: 'key' | 'account' | 'keyless';
  workspaceId: string;
  scopes: ReadonlySet<Permission>;
  /** Names the caller in logs and audit rows: `key:<id>`, `account:<id>`, or `keyless` for open legacy intake. */
  actor: string;
  /** The API key presented, if any. */
  keyId?: string;
  /** The admin account signed in, its role in the workspace, and the session its token belongs to. */
  accountId?: string;
  role?: Role;
  sessionId?: string;
  /** The source recorded on the leads this caller sends: the key's name. */
  source: string;
  /** What the rate limit counts against (`key:<id>`, or `ip:<address>` for keyless senders), and how much. */
  rateLimitSubject: string;
  rateLimit: RateLimit;
  /** A browser key: the only origins (`Origin` header) it may be used from. Undefined for other credentials. */
  allowedOrigins?: readonly string[];
}

const PRINCIPAL = Symbol('leadflow.principal');
type WithPrincipal = FastifyRequest & { [PRINCIPAL]?: Principal };

export function attachPrincipal(request: FastifyRequest, principal: Principal): void {
  (request as WithPrincipal)[PRINCIPAL] = principal;
}

export function principalOf(request: FastifyRequest): Principal {
  const principal = (request as WithPrincipal)[PRINCIPAL];
  // The guard runs before every handler that asks; reaching here without one is a wiring bug.
  if (!principal) throw new Error('no principal on the request: is the route guarded?');
  return principal;
}

/** The calling principal, as a handler parameter. */
export const Caller = createParamDecorator((_data: unknown, context: ExecutionContext) =>
  principalOf(context.switchToHttp().getRequest<FastifyRequest>()),
);
