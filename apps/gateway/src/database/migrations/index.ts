import { MessagingTables1795262400000 } from './1795262400000-messaging-tables';

/** Every migration of the gateway schema, oldest first. */
export const gatewayMigrations = [MessagingTables1795262400000];
