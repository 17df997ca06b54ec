import { Module } from '@nestjs/common';
import { ContactsAdminController } from './contacts-admin.controller';
import { LeadsAdminController } from './leads-admin.controller';
import { MetricsAdminController } from './metrics-admin.controller';

@Module({ controllers: [LeadsAdminController, ContactsAdminController, MetricsAdminController] })
export class AdminModule {}
