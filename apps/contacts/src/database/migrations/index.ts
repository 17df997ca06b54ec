import { MessagingTables1795262400000 } from './1795262400000-messaging-tables';

/** Every migration of the contacts schema, oldest first. */
export const contactsMigrations = [MessagingTables1795262400000];
