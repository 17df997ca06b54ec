import { Module } from '@nestjs/common';
import { EventsController } from './events.controller';
import { EventsService } from './events.service';
import { SegmentController } from './segment.controller';

/** Activity events: our API and the Segment-compatible one, both relayed to ingestion. */
@Module({ controllers: [EventsController, SegmentController], providers: [EventsService] })
export class EventsModule {}
