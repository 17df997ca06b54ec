/** The five apps of the platform; each names its NATS queue group, durable consumers and schema. */
export const SERVICE_NAMES = ['gateway', 'ingestion', 'contacts', 'scoring', 'metrics'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** Default HTTP port of each app (overridable with HTTP_PORT). */
export const DEFAULT_HTTP_PORTS: Readonly<Record<ServiceName, number>> = {
  gateway: 3000,
  ingestion: 3001,
  contacts: 3002,
  scoring: 3003,
  metrics: 3004,
};
