export * from './database.module';
export * from './schema-data-source';
export * from './page-query';
export * from './prepared-query';
export * from './erasure-steps.repository';
export * from './key-locks.repository';
