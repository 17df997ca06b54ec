import { Module } from '@nestjs/common';
import { PrivacyModule } from '../privacy/privacy.module';
import { LeadIntakeService } from './lead-intake.service';
import { LeadQueryService } from './lead-query.service';
import { LeadRepository } from './lead.repository';
import { LeadsController } from './leads.controller';
import { RejectedRequestRepository } from './rejected-request.repository';

@Module({
  imports: [PrivacyModule],
  controllers: [LeadsController],
  providers: [LeadRepository, RejectedRequestRepository, LeadIntakeService, LeadQueryService],
  exports: [LeadIntakeService],
})
export class LeadsModule {}
