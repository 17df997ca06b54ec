import { Module } from '@nestjs/common';
import { ContactsModule } from '../contacts/contacts.module';
import { LeadConversionModule } from '../lead-conversion/lead-conversion.module';
import { OpportunitiesModule } from '../opportunities/opportunities.module';
import { CrmEventsHandler } from './crm-events.handler';
import { CrmLinksRepository } from './crm-links.repository';
import { CrmSyncService } from './crm-sync.service';

/** CRM sync: CRM contact, opportunity and conversion events applied to LeadFlow's records, by the source's time. */
@Module({
  imports: [ContactsModule, OpportunitiesModule, LeadConversionModule],
  providers: [CrmLinksRepository, CrmSyncService, CrmEventsHandler],
})
export class CrmSyncModule {}
