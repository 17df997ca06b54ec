import { PlatformModule } from '@leadflow/runtime';
import { type DynamicModule, Module } from '@nestjs/common';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { GatewayEnv } from './config/env';
import { ContactsModule } from './contacts/contacts.module';
import { gatewayMigrations } from './database/migrations';
import { ImportsModule } from './imports/imports.module';
import { IntakeModule } from './intake/intake.module';
import { IntegrationsModule } from './integrations/integrations.module';
import { EventsModule } from './events/events.module';
import { LeadsModule } from './leads/leads.module';
import { MetricsModule } from './metrics/metrics.module';
import { OpportunitiesModule } from './opportunities/opportunities.module';
import { PipelinesModule } from './pipelines/pipelines.module';
import { PlatformStatusModule } from './platform-status/platform-status.module';
import { ScoringModule } from './scoring/scoring.module';
import { AutomationsModule } from './automations/automations.module';
import { SimulatorModule } from './simulator/simulator.module';
import { SuppressionsModule } from './suppressions/suppressions.module';
import { WebhookEndpointsModule } from './webhook-endpoints/webhook-endpoints.module';
import { WorkspacesModule } from './workspaces/workspaces.module';

@Module({})
export class AppModule {
  static forEnv(env: GatewayEnv): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        PlatformModule.forRoot({ service: 'gateway', version: env.SERVICE_VERSION, env, migrations: gatewayMigrations }),
        AuthModule,
        WorkspacesModule,
        AuditModule,
        PlatformStatusModule,
        IntakeModule,
        EventsModule,
        LeadsModule,
        ContactsModule,
        ImportsModule,
        MetricsModule,
        OpportunitiesModule,
        PipelinesModule,
        ScoringModule,
        AutomationsModule,
        SuppressionsModule,
        IntegrationsModule,
        SimulatorModule,
        WebhookEndpointsModule,
      ],
      providers: [{ provide: GatewayEnv, useValue: env }],
      exports: [GatewayEnv],
    };
  }
}
