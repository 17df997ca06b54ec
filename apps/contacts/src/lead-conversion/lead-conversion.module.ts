import { Module } from '@nestjs/common';
import { OpportunitiesModule } from '../opportunities/opportunities.module';
import { LeadConversionController } from './lead-conversion.controller';
import { LeadConversionRepository } from './lead-conversion.repository';
import { LeadConversionService } from './lead-conversion.service';

/** Lead conversion: a lead's contact becomes a contact proper, optionally with an opportunity. */
@Module({
  imports: [OpportunitiesModule],
  controllers: [LeadConversionController],
  providers: [LeadConversionRepository, LeadConversionService],
  exports: [LeadConversionService],
})
export class LeadConversionModule {}
