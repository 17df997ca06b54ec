import { SERVICE_NAMES, type ServiceName } from '@leadflow/contracts';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class HealthView {
  @ApiProperty({ enum: [true] }) ok!: true;
  @ApiProperty({ format: 'date-time' }) timestamp!: string;
}

class StatusErrorDoc {
  @ApiProperty({ example: 'unavailable' }) code!: string;
  @ApiProperty() message!: string;
}

class ServiceStatusDoc {
  @ApiProperty({ enum: SERVICE_NAMES }) service!: ServiceName;
  @ApiProperty() ready!: boolean;
  @ApiPropertyOptional({ example: '0.1.0' }) version?: string;
  @ApiPropertyOptional({ example: 'gateway-7d9f:12' }) instance?: string;
  @ApiPropertyOptional() uptimeSeconds?: number;
  @ApiPropertyOptional({ type: StatusErrorDoc, description: 'Why the app did not answer' }) error?: StatusErrorDoc;
}

export class PlatformStatusView {
  @ApiProperty({ description: 'Every app answered and is ready' }) ok!: boolean;
  @ApiProperty({ type: [ServiceStatusDoc] }) services!: ServiceStatusDoc[];
}
