import { Module } from '@nestjs/common';
import { ContactsRepository } from '../contacts/contacts.repository';
import { ContactErasureService } from './contact-erasure.service';
import { ErasureRepository } from './erasure.repository';
import { PrivacyController } from './privacy.controller';

/** GDPR in contacts: erasure records, redaction and `contact.erased`, export. */
@Module({ controllers: [PrivacyController], providers: [ContactsRepository, ErasureRepository, ContactErasureService] })
export class PrivacyModule {}
