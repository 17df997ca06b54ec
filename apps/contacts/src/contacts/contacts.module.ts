import { Module } from '@nestjs/common';
import { ContactQueryService } from './contact-query.service';
import { ContactRecordsService } from './contact-records.service';
import { ContactsController } from './contacts.controller';
import { ContactsRepository } from './contacts.repository';
import { ErasedIdentitiesRepository } from './erased-identities.repository';
import { IdentityResolutionService } from './identity-resolution.service';
import { StageCopyHandler } from './stage-copy.handler';

@Module({
  controllers: [ContactsController],
  providers: [
    ContactsRepository,
    ErasedIdentitiesRepository,
    IdentityResolutionService,
    ContactQueryService,
    ContactRecordsService,
    StageCopyHandler,
  ],
  exports: [ContactsRepository, ErasedIdentitiesRepository],
})
export class ContactsModule {}
