/** contacts: CRM records: identity resolution, contacts, merges. */
import 'reflect-metadata';
import { runService } from '@leadflow/runtime';
import { AppModule } from './app.module';
import { ContactsEnv } from './config/env';
import { contactsMigrations } from './database/migrations';

void runService({ service: 'contacts', envClass: ContactsEnv, migrations: contactsMigrations, rootModule: (env) => AppModule.forEnv(env) });
