import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { IntegrationsModule } from '../integrations/integrations.module';
import { SimulatorController } from './simulator.controller';
import { SimulatorRepository } from './simulator.repository';
import { SimulatorService } from './simulator.service';

/** The CRM webhook simulator: signs and delivers, keeps a history (never secrets). */
@Module({
  imports: [AuditModule, IntegrationsModule],
  controllers: [SimulatorController],
  providers: [SimulatorRepository, SimulatorService],
})
export class SimulatorModule {}
