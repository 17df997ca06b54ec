import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Public, RequireScope } from '../auth/access-rules';
import { type PlatformStatus, PlatformStatusService } from './platform-status.service';

@Controller()
export class PlatformStatusController {
  constructor(private readonly platform: PlatformStatusService) {}

  /** Kept for existing monitors: the gateway process answers. */
  @Get('health')
  @HttpCode(200)
  @Public()
  health(): { ok: true; timestamp: string } {
    return { ok: true, timestamp: new Date().toISOString() };
  }

  /** Every app's version, uptime and readiness, asked over NATS; 503 unless all are ready. */
  @Get('api/v1/system/status')
  @RequireScope('admin:read')
  async status(@Res({ passthrough: true }) reply: FastifyReply): Promise<PlatformStatus> {
    const status = await this.platform.status();
    if (!status.ok) void reply.status(503);
    return status;
  }
}
