import { type DynamicModule, Module } from '@nestjs/common';
import { ContactsModule } from '../contacts/contacts.module';
import { ImportRunner, IMPORT_OPTIONS, type ImportOptions } from './import-runner.service';
import { ImportsController } from './imports.controller';
import { ImportsRepository } from './imports.repository';
import { ImportsService } from './imports.service';

/** Bulk CSV imports of contacts: the upload over NATS, then a job that reads it in batches. */
@Module({})
export class ImportsModule {
  static forRoot(options: ImportOptions): DynamicModule {
    return {
      module: ImportsModule,
      imports: [ContactsModule],
      controllers: [ImportsController],
      providers: [ImportsRepository, ImportsService, ImportRunner, { provide: IMPORT_OPTIONS, useValue: options }],
    };
  }
}
