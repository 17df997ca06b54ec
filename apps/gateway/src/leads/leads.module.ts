import { Module } from '@nestjs/common';
import { LeadsController } from './leads.controller';
import { LeadsService } from './leads.service';

/** The admin API's leads, asked of ingestion (and contacts) over NATS. */
@Module({ controllers: [LeadsController], providers: [LeadsService] })
export class LeadsModule {}
