import { Module } from '@nestjs/common';
import { DealStateHandler } from './deal-state.handler';
import { DealStateRepository } from './deal-state.repository';
import { DealStateService } from './deal-state.service';

/** Per-opportunity state, lead origins and conversions, kept from events for the deal reports. */
@Module({ providers: [DealStateRepository, DealStateService, DealStateHandler], exports: [DealStateService] })
export class DealStateModule {}
