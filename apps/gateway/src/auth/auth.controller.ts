import { Body, Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorBodyDoc } from '../http/error-body.doc';
import { Public, RequireScope } from './access-rules';
import { AdminSessionsService } from './admin-sessions.service';
import { RefreshDto, SignedIn, SignInDto } from './dto/sign-in.dto';
import { Caller, type Principal } from './principal';
import { type RateLimit, RateLimits } from './rate-limits';
import { SignInThrottle } from './sign-in-throttle';

/** Sign-in and refresh are open routes: each address gets this many calls a second on them. */
export const AUTH_ROUTE_LIMIT: RateLimit = { perSecond: 5, burst: 10 };

@ApiTags('auth')
@Controller('api/v1/auth')
export class AuthController {
  constructor(
    private readonly sessions: AdminSessionsService,
    private readonly throttle: SignInThrottle,
    private readonly rateLimits: RateLimits,
  ) {}

  @Post('login')
  @HttpCode(200)
  @Public()
  @ApiOperation({ summary: 'Sign in with email and password: a short-lived access token and a refresh token', security: [] })
  @ApiOkResponse({ type: SignedIn })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_payload, validation_failed' })
  @ApiResponse({ status: 401, type: ErrorBodyDoc, description: 'unauthorized: wrong email or password' })
  @ApiResponse({ status: 403, type: ErrorBodyDoc, description: 'forbidden: the account is not an admin of that workspace' })
  @ApiResponse({ status: 429, type: ErrorBodyDoc, description: 'too_many_attempts, rate_limited (Retry-After)' })
  @ApiResponse({ status: 503, type: ErrorBodyDoc, description: 'login_disabled: no AUTH_TOKEN_SECRET on this gateway' })
  async login(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply, @Body() body: SignInDto): Promise<SignedIn> {
    await this.rateLimits.take(`auth-ip:${request.ip}`, AUTH_ROUTE_LIMIT, reply);
    await this.throttle.check(body.email, request.ip, reply);
    try {
      const signedIn = await this.sessions.signIn(body.email, body.password, body.workspaceId);
      await this.throttle.succeeded(body.email, request.ip);
      return signedIn;
    } catch (error) {
      await this.throttle.failed(body.email, request.ip);
      throw error;
    }
  }

  @Post('refresh')
  @HttpCode(200)
  @Public()
  @ApiOperation({
    summary: 'New tokens for a refresh token (which stops working); optionally in another workspace of the account',
    security: [],
  })
  @ApiOkResponse({ type: SignedIn })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_payload, validation_failed' })
  @ApiResponse({ status: 401, type: ErrorBodyDoc, description: 'unauthorized: unknown, expired, used or revoked refresh token' })
  @ApiResponse({ status: 429, type: ErrorBodyDoc, description: 'rate_limited (Retry-After)' })
  async refresh(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Body() body: RefreshDto,
  ): Promise<SignedIn> {
    await this.rateLimits.take(`auth-ip:${request.ip}`, AUTH_ROUTE_LIMIT, reply);
    return this.sessions.refresh(body.refreshToken, body.workspaceId);
  }

  @Post('logout')
  @HttpCode(204)
  @RequireScope('admin:read', { accountOnly: true })
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Sign out: the access token and the refresh token of this session stop working at once' })
  @ApiNoContentResponse({ description: 'Signed out' })
  @ApiResponse({ status: 401, type: ErrorBodyDoc, description: 'unauthorized' })
  @ApiResponse({ status: 403, type: ErrorBodyDoc, description: 'forbidden: an API key has no session to end' })
  async logout(@Caller() caller: Principal): Promise<void> {
    await this.sessions.signOut(caller);
  }
}
