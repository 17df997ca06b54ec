import { EventTypes } from '@leadflow/contracts';
import { ConsumesEvents, type EventBatch, forEachEvent } from '@leadflow/messaging';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AutomationActionsService } from './automation-actions.service';

/** Automations' contact changes, applied once each (the inbox row is written in the same transaction). */
@Injectable()
export class AutomationActionsHandler {
  constructor(private readonly actions: AutomationActionsService) {}

  @ConsumesEvents(EventTypes.automationContactChangeRequested)
  async onContactChangeRequested(
    events: EventBatch<typeof EventTypes.automationContactChangeRequested>,
    manager: EntityManager,
  ): Promise<void> {
    await forEachEvent(events, async ({ workspaceId, data }) => {
      await this.actions.apply(manager, workspaceId, data);
    });
  }
}
