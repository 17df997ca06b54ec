import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Scope } from './api-key';
import type { RateLimit } from './rate-limits';

/** Who is calling, established by the access guard from the request's credential. */
export interface Principal {
  workspaceId: string;
  scopes: ReadonlySet<Scope>;
  /** Names the caller in logs and audit rows: `key:<id>`, or `keyless` for open legacy intake. */
  actor: string;
  /** The API key presented, if any. */
  keyId?: string;
  /** The source recorded on the leads this caller sends: the key's name. */
  source: string;
  /** What the rate limit counts against (`key:<id>`, or `ip:<address>` for keyless senders), and how much. */
  rateLimitSubject: string;
  rateLimit: RateLimit;
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
