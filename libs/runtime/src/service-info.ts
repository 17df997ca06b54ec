import type { ServiceName } from '@leadflow/contracts';

export interface ServiceInfo {
  service: ServiceName;
  version: string;
}

export const SERVICE_INFO = Symbol('SERVICE_INFO');
