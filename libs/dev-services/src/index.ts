export * from './nats';
export * from './ports';
export * from './postgres';
export * from './process-guard';
export * from './process-output';
export * from './urls';
export * from './postgres-roles';
export * from './proc-stat';
