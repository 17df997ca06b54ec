import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public, RequireScope } from '../auth/access-rules';
import { ErrorBodyDoc } from '../http/error-body.doc';
import { HealthView, PlatformStatusView } from './dto/platform-status.dto';
import { type PlatformStatus, PlatformStatusService } from './platform-status.service';

@ApiTags('platform')
@Controller()
export class PlatformStatusController {
  constructor(private readonly platform: PlatformStatusService) {}

  /** Kept for existing monitors: the gateway process answers. */
  @Get('health')
  @HttpCode(200)
  @Public()
  @ApiOperation({ summary: 'The gateway process answers (kept for existing monitors)', security: [] })
  @ApiOkResponse({ type: HealthView })
  health(): HealthView {
    return { ok: true, timestamp: new Date().toISOString() };
  }

  /** Every app's version, uptime and readiness, asked over NATS; 503 unless all are ready. */
  @Get('api/v1/system/status')
  @RequireScope('admin:read')
  @ApiSecurity('apiKey')
  @ApiBearerAuth()
  @ApiOperation({ summary: "Every app's version, uptime and readiness; 503 unless all are ready" })
  @ApiOkResponse({ type: PlatformStatusView })
  @ApiResponse({ status: 401, type: ErrorBodyDoc, description: 'unauthorized' })
  @ApiResponse({ status: 403, type: ErrorBodyDoc, description: 'forbidden: the credential lacks admin:read' })
  @ApiResponse({ status: 503, type: PlatformStatusView, description: 'Some app is not ready (the same body)' })
  async status(@Res({ passthrough: true }) reply: FastifyReply): Promise<PlatformStatus> {
    const status = await this.platform.status();
    if (!status.ok) void reply.status(503);
    return status;
  }
}
