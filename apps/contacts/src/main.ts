/** contacts: CRM records: identity resolution, contacts, merges. */
import 'reflect-metadata';
import { runService } from '@leadflow/runtime';
import { AppModule } from './app.module';
import { ContactsEnv } from './config/env';

void runService({ service: 'contacts', envClass: ContactsEnv, rootModule: (env) => AppModule.forEnv(env) });
