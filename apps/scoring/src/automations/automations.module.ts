import { type DynamicModule, Module } from '@nestjs/common';
import { AutomationEngineService } from './automation-engine.service';
import { AutomationEventsHandler } from './automation-events.handler';
import { AutomationRepository } from './automation.repository';
import { AUTOMATION_BACKFILL_BATCH, AutomationsAdminService } from './automations-admin.service';
import { AutomationsController } from './automations.controller';

/**
 * Automations: they decide, in the transaction of the event that triggers them, and act through
 * events (a webhook for the gateway to deliver, contact changes for contacts to apply).
 */
@Module({})
export class AutomationsModule {
  static forRoot(options: { backfillBatch: number }): DynamicModule {
    return {
      module: AutomationsModule,
      global: true,
      controllers: [AutomationsController],
      providers: [
        { provide: AUTOMATION_BACKFILL_BATCH, useValue: options.backfillBatch },
        AutomationRepository,
        AutomationEngineService,
        AutomationEventsHandler,
        AutomationsAdminService,
      ],
      exports: [AutomationEventsHandler],
    };
  }
}
