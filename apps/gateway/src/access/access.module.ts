import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccessGuard } from './access.guard';
import { BootstrapCredentials } from './bootstrap-credentials';
import { CredentialStore } from './credential-store';
import { RateLimits } from './rate-limits';
import { WorkspaceDirectory } from './workspace-directory';
import { WorkspacesController } from './workspaces.controller';

/** Who may call what: API keys, workspaces, and the guard in front of every route. */
@Module({
  controllers: [WorkspacesController],
  providers: [CredentialStore, RateLimits, WorkspaceDirectory, BootstrapCredentials, { provide: APP_GUARD, useClass: AccessGuard }],
})
export class AccessModule {}
