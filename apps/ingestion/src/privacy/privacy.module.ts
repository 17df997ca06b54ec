import { ErasureStepsRepository } from '@leadflow/database';
import { Module } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ErasureHandler } from './erasure.handler';
import { ErasureRepository } from './erasure.repository';
import { PrivacyController } from './privacy.controller';
import { PrivacyService } from './privacy.service';
import { SuppressionRepository } from './suppression.repository';

/** GDPR in ingestion: suppression list, redaction on `contact.erased`, lead export. */
@Module({
  controllers: [PrivacyController],
  providers: [
    SuppressionRepository,
    ErasureRepository,
    ErasureHandler,
    PrivacyService,
    {
      provide: ErasureStepsRepository,
      inject: [getDataSourceToken()],
      useFactory: (dataSource: DataSource) => new ErasureStepsRepository(dataSource, 'ingestion'),
    },
  ],
  exports: [SuppressionRepository],
})
export class PrivacyModule {}
