export { findFreePort } from '@leadflow/dev-services';
export * from './child-process';
export * from './tcp-proxy';
export * from './test-database';
export * from './test-run';
export * from './wait-for';
export * from './service-contract';
export * from './private-nats';
export * from './namespace-streams';
