import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_LOGGER } from './logger';

/** Makes the app's root pino logger injectable everywhere as APP_LOGGER. */
@Global()
@Module({})
export class AppLoggerModule {
  static forRoot(logger: Logger): DynamicModule {
    return { module: AppLoggerModule, providers: [{ provide: APP_LOGGER, useValue: logger }], exports: [APP_LOGGER] };
  }
}
