import { Module } from '@nestjs/common';
import { ContactQueryService } from './contact-query.service';
import { ContactsController } from './contacts.controller';
import { ContactsRepository } from './contacts.repository';
import { ErasedIdentitiesRepository } from './erased-identities.repository';
import { IdentityResolutionService } from './identity-resolution.service';

@Module({
  controllers: [ContactsController],
  providers: [ContactsRepository, ErasedIdentitiesRepository, IdentityResolutionService, ContactQueryService],
  exports: [ContactsRepository],
})
export class ContactsModule {}
