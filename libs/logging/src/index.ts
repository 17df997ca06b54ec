export * from './logger';
export * from './pino-nest-logger';
export * from './request-context';
export * from './app-logger.module';
