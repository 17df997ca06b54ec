import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { LeadConversionController } from './lead-conversion.controller';
import { LeadConversionService } from './lead-conversion.service';
import { LeadsController } from './leads.controller';
import { LeadsService } from './leads.service';

/** The admin API's leads, asked of ingestion (and contacts) over NATS, and their conversion (audited). */
@Module({
  imports: [AuditModule],
  controllers: [LeadsController, LeadConversionController],
  providers: [LeadsService, LeadConversionService],
})
export class LeadsModule {}
