import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorBodyDoc } from '../openapi/error-body.doc';
import { RequireScope } from './access-rules';
import { AdminAccounts, type SignedIn } from './admin-accounts';
import { RefreshDto, SignInDto } from './dto';
import { readJsonBody } from './json-body';
import { Caller, type Principal } from './principal';
import { type RateLimit, RateLimits } from './rate-limits';
import { SignInThrottle } from './sign-in-throttle';

/** Sign-in and refresh are open routes: each address gets this many calls a second on them. */
export const AUTH_ROUTE_LIMIT: RateLimit = { perSecond: 5, burst: 10 };

@ApiTags('auth')
@Controller('api/v1/auth')
export class AuthController {
  constructor(
    private readonly accounts: AdminAccounts,
    private readonly throttle: SignInThrottle,
    private readonly rateLimits: RateLimits,
  ) {}

  @Post('login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Sign in with email and password: a short-lived access token and a refresh token' })
  @ApiBody({ type: SignInDto })
  @ApiResponse({ status: 401, type: ErrorBodyDoc, description: 'unauthorized: wrong email or password' })
  @ApiResponse({ status: 429, type: ErrorBodyDoc, description: 'too_many_attempts, rate_limited (Retry-After)' })
  async login(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<SignedIn> {
    await this.rateLimits.take(`auth-ip:${request.ip}`, AUTH_ROUTE_LIMIT, reply);
    const body = await readJsonBody(request, SignInDto);
    await this.throttle.check(body.email, request.ip, reply);
    try {
      const signedIn = await this.accounts.signIn(body.email, body.password, body.workspaceId);
      await this.throttle.succeeded(body.email, request.ip);
      return signedIn;
    } catch (error) {
      await this.throttle.failed(body.email, request.ip);
      throw error;
    }
  }

  @Post('refresh')
  @HttpCode(200)
  @ApiOperation({ summary: 'New tokens for a refresh token (which stops working); optionally in another workspace of the account' })
  @ApiBody({ type: RefreshDto })
  @ApiResponse({ status: 401, type: ErrorBodyDoc, description: 'unauthorized: unknown, expired, used or revoked refresh token' })
  async refresh(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<SignedIn> {
    await this.rateLimits.take(`auth-ip:${request.ip}`, AUTH_ROUTE_LIMIT, reply);
    const body = await readJsonBody(request, RefreshDto);
    return this.accounts.refresh(body.refreshToken, body.workspaceId);
  }

  @Post('logout')
  @HttpCode(204)
  @RequireScope('admin:read', { accountOnly: true })
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Sign out: the access token and the refresh token of this session stop working at once' })
  async logout(@Caller() caller: Principal): Promise<void> {
    await this.accounts.signOut(caller);
  }
}
