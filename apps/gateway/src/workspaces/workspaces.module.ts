import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { WebhookEndpointsModule } from '../webhook-endpoints/webhook-endpoints.module';
import { ApiKeysRepository } from './api-keys.repository';
import { BootstrapCredentials } from './bootstrap-credentials';
import { WorkspaceAdminsRepository } from './workspace-admins.repository';
import { WorkspaceAdminsService } from './workspace-admins.service';
import { WorkspacesController } from './workspaces.controller';
import { WorkspacesRepository } from './workspaces.repository';
import { WorkspacesService } from './workspaces.service';

/** Workspaces, their API keys and their admins: the management API, and the bootstrap credentials made on start. */
@Module({
  imports: [AuditModule, WebhookEndpointsModule],
  controllers: [WorkspacesController],
  providers: [
    WorkspacesRepository,
    ApiKeysRepository,
    WorkspaceAdminsRepository,
    WorkspacesService,
    WorkspaceAdminsService,
    BootstrapCredentials,
  ],
  exports: [WorkspaceAdminsRepository],
})
export class WorkspacesModule {}
