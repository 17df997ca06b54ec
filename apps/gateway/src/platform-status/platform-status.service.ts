import { RpcSubjects, SERVICE_NAMES, type ServiceName, type SystemStatusReply } from '@leadflow/contracts';
import { RpcClient } from '@leadflow/messaging';
import { Injectable } from '@nestjs/common';

export type ServiceStatus = SystemStatusReply | { service: ServiceName; ready: false; error: { code: string; message: string } };

export interface PlatformStatus {
  ok: boolean;
  services: ServiceStatus[];
}

const STATUS_TIMEOUT_MS = 2000;

/** Asks every app, over NATS, whether it is up; one slow or absent app does not hide the others. */
@Injectable()
export class PlatformStatusService {
  constructor(private readonly rpc: RpcClient) {}

  async status(): Promise<PlatformStatus> {
    const services = await Promise.all(
      SERVICE_NAMES.map(async (service): Promise<ServiceStatus> => {
        try {
          return await this.rpc.request<SystemStatusReply>(RpcSubjects.systemStatus[service], {}, { timeoutMs: STATUS_TIMEOUT_MS });
        } catch (error) {
          const { code, message } = error as { code: string; message: string };
          return { service, ready: false, error: { code, message } };
        }
      }),
    );
    return { ok: services.every((s) => s.ready), services };
  }
}
