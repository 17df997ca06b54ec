import { PlatformModule } from '@leadflow/runtime';
import { type DynamicModule, Module } from '@nestjs/common';
import type { ContactsEnv } from './config/env';
import { ContactsModule } from './contacts/contacts.module';
import { contactsMigrations } from './database/migrations';
import { PrivacyModule } from './privacy/privacy.module';

@Module({})
export class AppModule {
  static forEnv(env: ContactsEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({ service: 'contacts', version: env.SERVICE_VERSION, env, migrations: contactsMigrations }),
        ContactsModule,
        PrivacyModule,
      ],
    };
  }
}
