import { Module } from '@nestjs/common';
import { ActivityAttributionService } from './activity-attribution.service';
import { ContactActivitiesRepository } from './contact-activities.repository';
import { ContactIdentityController } from './contact-identity.controller';
import { ContactMergeService } from './contact-merge.service';
import { ContactTimelineService } from './contact-timeline.service';
import { ContactQueryService } from './contact-query.service';
import { ContactRecordsService } from './contact-records.service';
import { ContactsController } from './contacts.controller';
import { ContactsRepository } from './contacts.repository';
import { ErasedIdentitiesRepository } from './erased-identities.repository';
import { IdentityResolutionService } from './identity-resolution.service';
import { StageCopyHandler } from './stage-copy.handler';

@Module({
  controllers: [ContactsController, ContactIdentityController],
  providers: [
    ContactsRepository,
    ErasedIdentitiesRepository,
    IdentityResolutionService,
    ContactQueryService,
    ContactRecordsService,
    StageCopyHandler,
    ContactActivitiesRepository,
    ActivityAttributionService,
    ContactMergeService,
    ContactTimelineService,
  ],
  exports: [ContactsRepository, ErasedIdentitiesRepository, ContactRecordsService],
})
export class ContactsModule {}
