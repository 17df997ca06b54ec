/** gateway: the public HTTP surface: intake, admin REST and platform status. */
import 'reflect-metadata';
import { runService } from '@leadflow/runtime';
import { AppModule } from './app.module';
import { GatewayEnv } from './config/env';

void runService({ service: 'gateway', envClass: GatewayEnv, rootModule: (env) => AppModule.forEnv(env) });
