/** gateway: the public HTTP surface: intake, admin REST and platform status. */
import 'reflect-metadata';
import { APP_LOGGER } from '@leadflow/logging';
import { runService } from '@leadflow/runtime';
import type { Logger } from 'pino';
import { hardenHttp } from './access/http-hardening';
import { logRouteTable } from './access/route-table';
import { AppModule } from './app.module';
import { GatewayEnv } from './config/env';
import { gatewayMigrations } from './database/migrations';
import { legacyErrorBody } from './intake/legacy-error-body';
import { registerRawBodyParser } from './intake/raw-body.parser';
import { setUpOpenApi } from './openapi/openapi';

void runService({
  service: 'gateway',
  envClass: GatewayEnv,
  migrations: gatewayMigrations,
  rootModule: (env) => AppModule.forEnv(env),
  configureHttp: async (app, env) => {
    const fastify = app.getHttpAdapter().getInstance();
    logRouteTable(fastify, app.get<Logger>(APP_LOGGER));
    registerRawBodyParser(fastify);
    await hardenHttp(app, env.CORS_ORIGINS);
    setUpOpenApi(app, env.SERVICE_VERSION);
  },
  errorBody: legacyErrorBody,
});
