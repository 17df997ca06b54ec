import { Module } from '@nestjs/common';
import { PipelinesController } from './pipelines.controller';
import { PipelinesRepository } from './pipelines.repository';
import { PipelinesService } from './pipelines.service';

/** Deal pipelines and their stages, per workspace. */
@Module({ controllers: [PipelinesController], providers: [PipelinesRepository, PipelinesService], exports: [PipelinesService] })
export class PipelinesModule {}
