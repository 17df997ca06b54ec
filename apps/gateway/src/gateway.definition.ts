import { APP_LOGGER } from '@leadflow/logging';
import type { ServiceDefinition } from '@leadflow/runtime';
import type { Logger } from 'pino';
import { AppModule } from './app.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { ContactsModule } from './contacts/contacts.module';
import { GatewayEnv } from './config/env';
import { gatewayMigrations } from './database/migrations';
import { registerBodyParsers } from './http/body-parser';
import { hardenHttp } from './http/http-hardening';
import { setUpOpenApi } from './http/openapi';
import { logRouteTable } from './http/route-table';
import { EventsModule } from './events/events.module';
import { registerEventsCors } from './events/events-cors';
import { ImportsModule } from './imports/imports.module';
import { IntakeModule } from './intake/intake.module';
import { legacyErrorBody } from './intake/legacy-error-body';
import { LeadsModule } from './leads/leads.module';
import { MetricsModule } from './metrics/metrics.module';
import { PlatformStatusModule } from './platform-status/platform-status.module';
import { SuppressionsModule } from './suppressions/suppressions.module';
import { WebhookEndpointsModule } from './webhook-endpoints/webhook-endpoints.module';
import { WorkspacesModule } from './workspaces/workspaces.module';

/** The modules whose routes the OpenAPI document describes: the gateway's own API. */
const API_MODULES = [
  IntakeModule,
  EventsModule,
  LeadsModule,
  ContactsModule,
  ImportsModule,
  MetricsModule,
  WorkspacesModule,
  AuditModule,
  AuthModule,
  PlatformStatusModule,
  SuppressionsModule,
  WebhookEndpointsModule,
];

/** The gateway as `main.ts` runs it (and as tests build it in-process). */
export const gatewayDefinition: ServiceDefinition<GatewayEnv> = {
  service: 'gateway',
  envClass: GatewayEnv,
  migrations: gatewayMigrations,
  rootModule: (env) => AppModule.forEnv(env),
  configureHttp: async (app, env) => {
    const fastify = app.getHttpAdapter().getInstance();
    logRouteTable(fastify, app.get<Logger>(APP_LOGGER));
    registerBodyParsers(fastify);
    registerEventsCors(fastify);
    await hardenHttp(app, env.CORS_ORIGINS);
    setUpOpenApi(app, env.SERVICE_VERSION, API_MODULES);
  },
  errorBody: legacyErrorBody,
  strictBodies: true,
};
