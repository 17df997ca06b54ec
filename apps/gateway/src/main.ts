/** gateway: the public HTTP surface: intake, admin REST and platform status. */
import 'reflect-metadata';
import { runService } from '@leadflow/runtime';
import { AppModule } from './app.module';
import { GatewayEnv } from './config/env';
import { legacyErrorBody } from './intake/legacy-error-body';
import { registerRawBodyParser } from './intake/raw-body.parser';
import { setUpOpenApi } from './openapi/openapi';

void runService({
  service: 'gateway',
  envClass: GatewayEnv,
  rootModule: (env) => AppModule.forEnv(env),
  configureHttp: (app, env) => {
    registerRawBodyParser(app.getHttpAdapter().getInstance());
    setUpOpenApi(app, env.SERVICE_VERSION);
  },
  errorBody: legacyErrorBody,
});
