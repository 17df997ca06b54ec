export * from './load-env';
export * from './platform-env';
