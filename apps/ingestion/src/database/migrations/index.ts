import { MessagingTables1795262400000 } from './1795262400000-messaging-tables';

/** Every migration of the ingestion schema, oldest first. */
export const ingestionMigrations = [MessagingTables1795262400000];
