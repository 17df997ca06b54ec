import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { openSchemaDataSource, schemaDataSourceOptions, type SchemaDatabaseOptions } from './schema-data-source';

/** The app's TypeORM connection to its own schema; migrations run before the app starts. */
@Module({})
export class DatabaseModule {
  static forRoot(options: SchemaDatabaseOptions): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => ({
            ...schemaDataSourceOptions(options),
            autoLoadEntities: true,
            retryAttempts: 3,
            retryDelay: 1000,
          }),
          dataSourceFactory: async (dataSourceOptions) => {
            if (!dataSourceOptions) throw new Error('missing data source options');
            return openSchemaDataSource(dataSourceOptions);
          },
        }),
      ],
      exports: [TypeOrmModule],
    };
  }
}
