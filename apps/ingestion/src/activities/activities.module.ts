import { Module } from '@nestjs/common';
import { RejectedRequestRepository } from '../leads/rejected-request.repository';
import { PrivacyModule } from '../privacy/privacy.module';
import { ActivitiesController } from './activities.controller';
import { ActivityIntakeService } from './activity-intake.service';
import { ActivityRepository } from './activity.repository';

@Module({
  imports: [PrivacyModule],
  controllers: [ActivitiesController],
  providers: [ActivityRepository, RejectedRequestRepository, ActivityIntakeService],
  exports: [ActivityRepository],
})
export class ActivitiesModule {}
