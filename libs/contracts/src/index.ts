export * from './envelope';
export * from './errors';
export * from './services';
export * from './subjects';
export * from './system';
