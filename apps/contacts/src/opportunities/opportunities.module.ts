import { Module } from '@nestjs/common';
import { PipelinesModule } from '../pipelines/pipelines.module';
import { OpportunitiesController } from './opportunities.controller';
import { OpportunitiesRepository } from './opportunities.repository';
import { OpportunitiesService } from './opportunities.service';

/** Opportunities (deals): money, stages of a pipeline, optimistic concurrency, won/lost events. */
@Module({
  imports: [PipelinesModule],
  controllers: [OpportunitiesController],
  providers: [OpportunitiesRepository, OpportunitiesService],
  exports: [OpportunitiesService],
})
export class OpportunitiesModule {}
