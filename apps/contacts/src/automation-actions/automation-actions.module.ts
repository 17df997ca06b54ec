import { Module } from '@nestjs/common';
import { ContactsModule } from '../contacts/contacts.module';
import { AutomationActionsHandler } from './automation-actions.handler';
import { AutomationActionsService } from './automation-actions.service';

/** Automations' actions on contacts (owner, tags, lifecycle), decided by scoring and applied here. */
@Module({
  imports: [ContactsModule],
  providers: [AutomationActionsService, AutomationActionsHandler],
})
export class AutomationActionsModule {}
