import { Module } from '@nestjs/common';
import { LeadIntakeService } from './lead-intake.service';
import { LeadQueryService } from './lead-query.service';
import { LeadsController } from './leads.controller';

@Module({ controllers: [LeadsController], providers: [LeadIntakeService, LeadQueryService] })
export class LeadsModule {}
