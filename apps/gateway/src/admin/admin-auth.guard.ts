import { AppException, ErrorCodes } from '@leadflow/contracts';
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import { GatewayEnv } from '../config/env';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Admin routes need `Authorization: Bearer <ADMIN_API_KEY>`; compared in constant time. */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  private readonly expected: Buffer | undefined;

  constructor(@Inject(GatewayEnv) env: GatewayEnv) {
    this.expected = env.ADMIN_API_KEY ? digest(env.ADMIN_API_KEY) : undefined;
  }

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    if (this.expected && match?.[1] && timingSafeEqual(digest(match[1]), this.expected)) return true;
    void http.getResponse<FastifyReply>().header('WWW-Authenticate', 'Bearer');
    throw new AppException(
      ErrorCodes.unauthorized,
      this.expected ? 'Send Authorization: Bearer <admin API key>' : 'The admin API is disabled: ADMIN_API_KEY is not set',
      401,
    );
  }
}
