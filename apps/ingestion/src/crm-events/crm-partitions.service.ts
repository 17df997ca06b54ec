import { Scheduler } from '@leadflow/jobs';
import { APP_LOGGER } from '@leadflow/logging';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { Logger as PinoLogger } from 'pino';
import { CRM_EVENT_OPTIONS, type CrmEventOptions } from './crm-event-options';
import { CrmEventsRepository, monthOf } from './crm-events.repository';

export const CRM_PARTITIONS_SCHEDULE = 'ingestion.crm-partitions';
const HOUR_MS = 3600_000;

/**
 * The monthly partitions of the CRM event log and its staging tables: a schedule makes the coming
 * months ahead and drops the months past the retention; a late event's month is made when it
 * arrives (`ensure`), once, whatever the replica.
 */
@Injectable()
export class CrmPartitionsService implements OnModuleInit {
  /** Months known to exist in this process; a dropped month is learned again from the catalog. */
  private known: Set<string> | undefined;

  constructor(
    private readonly repository: CrmEventsRepository,
    private readonly scheduler: Scheduler,
    @Inject(CRM_EVENT_OPTIONS) private readonly options: CrmEventOptions,
    @Inject(APP_LOGGER) private readonly logger: PinoLogger,
  ) {}

  onModuleInit(): void {
    this.scheduler.add({ name: CRM_PARTITIONS_SCHEDULE, intervalMs: HOUR_MS, run: () => this.maintain(new Date()) });
  }

  /** The partition an event of this time goes to exists when this returns. */
  async ensure(eventAt: Date): Promise<void> {
    const month = monthOf(eventAt);
    if (this.known?.has(month)) return;
    this.known = await this.repository.partitionMonths();
    if (this.known.has(month)) return;
    await this.repository.createMonth(month);
    this.known.add(month);
    this.logger.info({ month }, 'created the CRM event partitions of a month');
  }

  /** Makes the previous, current and coming months; drops the months before the retention. */
  async maintain(now: Date): Promise<void> {
    for (let offset = -1; offset <= this.options.partitionsAheadMonths; offset++) {
      await this.ensure(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1)));
    }
    const cutoff = monthOf(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - this.options.retentionMonths, 1)));
    const dropped = await this.repository.dropMonthsBefore(cutoff);
    if (dropped.length > 0) {
      this.known = undefined;
      this.logger.info({ months: dropped }, 'dropped CRM event partitions past the retention');
    }
  }
}
