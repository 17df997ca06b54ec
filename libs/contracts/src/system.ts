import type { ServiceName } from './services';

/** Reply of `<app>.system.status`. */
export interface SystemStatusReply {
  service: ServiceName;
  version: string;
  instance: string;
  uptimeSeconds: number;
  ready: boolean;
}
