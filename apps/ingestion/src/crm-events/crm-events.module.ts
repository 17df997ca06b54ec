import { type DynamicModule, Module } from '@nestjs/common';
import { LeadsModule } from '../leads/leads.module';
import { CRM_EVENT_OPTIONS, type CrmEventOptions } from './crm-event-options';
import { CrmEventsController } from './crm-events.controller';
import { CrmEventsHandler } from './crm-events.handler';
import { CrmEventsRepository } from './crm-events.repository';
import { CrmEventsService } from './crm-events.service';
import { CrmPartitionsService } from './crm-partitions.service';

/** CRM webhooks: the event log and its partitions, lead events as leads, outcomes, retries, pause and replay. */
@Module({})
export class CrmEventsModule {
  static forRoot(options: CrmEventOptions): DynamicModule {
    return {
      module: CrmEventsModule,
      imports: [LeadsModule],
      controllers: [CrmEventsController],
      providers: [
        { provide: CRM_EVENT_OPTIONS, useValue: options },
        CrmEventsRepository,
        CrmPartitionsService,
        CrmEventsService,
        CrmEventsHandler,
      ],
    };
  }
}
