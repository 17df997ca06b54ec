import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { ContactPrivacyController } from './contact-privacy.controller';
import { ContactPrivacyService } from './contact-privacy.service';
import { ContactsController } from './contacts.controller';
import { ContactsService } from './contacts.service';

/** The admin API's contacts and scores, asked of contacts and scoring over NATS; GDPR erasure and export. */
@Module({
  imports: [AuditModule],
  controllers: [ContactsController, ContactPrivacyController],
  providers: [ContactsService, ContactPrivacyService],
})
export class ContactsModule {}
