import { Module } from '@nestjs/common';
import { ContactQueryService } from './contact-query.service';
import { ContactsController } from './contacts.controller';
import { IdentityResolutionService } from './identity-resolution.service';

@Module({ controllers: [ContactsController], providers: [IdentityResolutionService, ContactQueryService] })
export class ContactsModule {}
