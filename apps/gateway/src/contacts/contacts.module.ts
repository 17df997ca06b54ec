import { Module } from '@nestjs/common';
import { ContactsController } from './contacts.controller';
import { ContactsService } from './contacts.service';

/** The admin API's contacts and scores, asked of contacts and scoring over NATS. */
@Module({ controllers: [ContactsController], providers: [ContactsService] })
export class ContactsModule {}
