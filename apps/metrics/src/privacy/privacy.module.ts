import { ErasureStepsRepository } from '@leadflow/database';
import { Module } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { PrivacyController } from './privacy.controller';
import { PrivacyService } from './privacy.service';

/** GDPR in metrics: its erasure step on `contact.erased`. */
@Module({
  controllers: [PrivacyController],
  providers: [
    PrivacyService,
    {
      provide: ErasureStepsRepository,
      inject: [getDataSourceToken()],
      useFactory: (dataSource: DataSource) => new ErasureStepsRepository(dataSource, 'metrics'),
    },
  ],
})
export class PrivacyModule {}
