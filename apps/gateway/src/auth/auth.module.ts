import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccessGuard } from './access.guard';
import { BootstrapCredentials } from './bootstrap-credentials';
import { CredentialStore } from './credential-store';
import { RateLimits } from './rate-limits';
import { WorkspaceDirectory } from './workspace-directory';
import { AuditController, WorkspacesController } from './workspaces.controller';
import { AdminAccounts } from './admin-accounts';
import { AuditLog } from './audit-log';
import { AuthController } from './auth.controller';
import { SignInThrottle } from './sign-in-throttle';

/** Who may call what: API keys, admin accounts, workspaces, the audit log, and the guard in front of every route. */
@Module({
  controllers: [AuthController, WorkspacesController, AuditController],
  providers: [
    CredentialStore,
    RateLimits,
    AuditLog,
    WorkspaceDirectory,
    AdminAccounts,
    SignInThrottle,
    BootstrapCredentials,
    { provide: APP_GUARD, useClass: AccessGuard },
  ],
})
export class AccessModule {}
