export * from './app-exception.filter';
export * from './bootstrap';
export * from './error-statuses';
export * from './metrics';
export * from './platform.module';
export * from './service-info';
export * from './system-status.controller';
export * from './app-validation.pipe';
