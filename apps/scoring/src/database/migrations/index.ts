import { MessagingTables1795262400000 } from './1795262400000-messaging-tables';

/** Every migration of the scoring schema, oldest first. */
export const scoringMigrations = [MessagingTables1795262400000];
