import { ErasureStepsRepository } from '@leadflow/database';
import { Module } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { PrivacyController } from './privacy.controller';
import { PrivacyRepository } from './privacy.repository';
import { PrivacyService } from './privacy.service';

/** GDPR in scoring: its erasure step on `contact.erased`, and the score export. */
@Module({
  controllers: [PrivacyController],
  providers: [
    PrivacyRepository,
    PrivacyService,
    {
      provide: ErasureStepsRepository,
      inject: [getDataSourceToken()],
      useFactory: (dataSource: DataSource) => new ErasureStepsRepository(dataSource, 'scoring'),
    },
  ],
})
export class PrivacyModule {}
