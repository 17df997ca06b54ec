import { MessagingTables1795262400000 } from './1795262400000-messaging-tables';

/** Every migration of the metrics schema, oldest first. */
export const metricsMigrations = [MessagingTables1795262400000];
