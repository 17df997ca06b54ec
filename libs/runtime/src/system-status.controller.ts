import { RpcSubjects, type ServiceName, type SystemStatusReply } from '@leadflow/contracts';
import { Controller, Inject, type Type } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { InjectDataSource } from '@nestjs/typeorm';
import { hostname } from 'node:os';
import type { DataSource } from 'typeorm';
import { SERVICE_INFO, type ServiceInfo } from './service-info';

/** Answers `<app>.system.status` so the gateway can report on the whole platform. */
export function systemStatusController(service: ServiceName): Type<unknown> {
  @Controller()
  class SystemStatusController {
    constructor(
      @InjectDataSource() private readonly dataSource: DataSource,
      @Inject(SERVICE_INFO) private readonly info: ServiceInfo,
    ) {}

    @MessagePattern(RpcSubjects.systemStatus[service])
    async status(): Promise<SystemStatusReply> {
      const ready = await this.dataSource.query('SELECT 1').then(
        () => true,
        () => false,
      );
      return {
        service,
        version: this.info.version,
        instance: `${hostname()}:${process.pid}`,
        uptimeSeconds: Math.round(process.uptime()),
        ready,
      };
    }
  }
  return SystemStatusController;
}
