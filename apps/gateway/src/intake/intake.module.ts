import { Module } from '@nestjs/common';
import { IntakeGroupSender } from './intake-group-sender';
import { IntakeService } from './intake.service';
import { LeadsIntakeController } from './leads-intake.controller';
import { LegacyIntakeController } from './legacy-intake.controller';

@Module({ controllers: [LegacyIntakeController, LeadsIntakeController], providers: [IntakeService, IntakeGroupSender] })
export class IntakeModule {}
