import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccessGuard } from './access.guard';
import { AdminSessionsService } from './admin-sessions.service';
import { AuthController } from './auth.controller';
import { CredentialStore } from './credential-store';
import { CredentialsRepository } from './credentials.repository';
import { RateLimits } from './rate-limits';
import { SignInThrottle } from './sign-in-throttle';

/** Who may call what: API keys, admin sign-in and sessions, rate limits, and the guard in front of every route. */
@Module({
  controllers: [AuthController],
  providers: [
    CredentialsRepository,
    CredentialStore,
    AdminSessionsService,
    RateLimits,
    SignInThrottle,
    { provide: APP_GUARD, useClass: AccessGuard },
  ],
  exports: [RateLimits],
})
export class AuthModule {}
