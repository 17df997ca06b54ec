import { DEFAULT_WORKSPACE_ID } from '@leadflow/contracts';
import { APP_LOGGER } from '@leadflow/logging';
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Logger } from 'pino';
import type { DataSource, EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { describeApiKey, type Scope } from '../auth/api-key';
import { hashPassword, passwordMatches } from '../auth/credentials-crypto';
import { GatewayEnv } from '../config/env';
import { ApiKeysRepository } from './api-keys.repository';
import { WorkspaceAdminsRepository } from './workspace-admins.repository';
import { WorkspacesRepository } from './workspaces.repository';

interface BootstrapKey {
  role: 'admin' | 'intake';
  key: string;
  name: string;
  scopes: Scope[];
  perSecond: number;
}

/**
 * On every start: the `default` workspace exists, the keys given in BOOTSTRAP_ADMIN_KEY and
 * BOOTSTRAP_INTAKE_KEY open it, and the account of BOOTSTRAP_ADMIN_EMAIL owns it. Idempotent, and
 * safe when replicas start together. A changed variable replaces the key or the password it names;
 * a bootstrap key revoked through the API stays revoked.
 */
@Injectable()
export class BootstrapCredentials implements OnApplicationBootstrap {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly workspaces: WorkspacesRepository,
    private readonly keys: ApiKeysRepository,
    private readonly admins: WorkspaceAdminsRepository,
    @Inject(GatewayEnv) private readonly env: GatewayEnv,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.env.BOOTSTRAP_ADMIN_KEY !== '' && this.env.BOOTSTRAP_ADMIN_KEY === this.env.BOOTSTRAP_INTAKE_KEY) {
      throw new Error('BOOTSTRAP_ADMIN_KEY and BOOTSTRAP_INTAKE_KEY must be different keys');
    }
    const keys: BootstrapKey[] = [];
    if (this.env.BOOTSTRAP_ADMIN_KEY) {
      keys.push({
        role: 'admin',
        key: this.env.BOOTSTRAP_ADMIN_KEY,
        name: 'bootstrap-admin',
        scopes: ['admin:read', 'admin:write'],
        perSecond: this.env.BOOTSTRAP_ADMIN_RATE_LIMIT,
      });
    }
    if (this.env.BOOTSTRAP_INTAKE_KEY) {
      // Named like the source leads had before keys existed, so that reports carry on.
      keys.push({
        role: 'intake',
        key: this.env.BOOTSTRAP_INTAKE_KEY,
        name: 'default',
        scopes: ['intake'],
        perSecond: this.env.BOOTSTRAP_INTAKE_RATE_LIMIT,
      });
    }
    await this.dataSource.transaction(async (manager) => {
      await this.workspaces.lockBootstrap(manager);
      await this.workspaces.ensure(manager, DEFAULT_WORKSPACE_ID, 'Default');
      for (const key of keys) await this.ensureKey(manager, key);
      if (this.env.BOOTSTRAP_ADMIN_EMAIL) await this.ensureOwner(manager, this.env.BOOTSTRAP_ADMIN_EMAIL.trim().toLowerCase());
    });
  }

  /** The account of BOOTSTRAP_ADMIN_EMAIL exists, has BOOTSTRAP_ADMIN_PASSWORD, and owns `default`. */
  private async ensureOwner(manager: EntityManager, email: string): Promise<void> {
    const account = await this.admins.lockAccount(manager, email);
    let accountId = account?.id;
    if (!accountId) {
      accountId = uuidv7();
      await this.admins.insertAccount(manager, accountId, email, await hashPassword(this.env.BOOTSTRAP_ADMIN_PASSWORD));
      this.logger.info({ email }, 'bootstrap owner created');
    } else if (!(await passwordMatches(account?.password_hash ?? '', this.env.BOOTSTRAP_ADMIN_PASSWORD))) {
      await this.admins.setPassword(manager, accountId, await hashPassword(this.env.BOOTSTRAP_ADMIN_PASSWORD));
      this.logger.info({ email }, 'bootstrap owner password replaced');
    }
    await this.admins.upsert(manager, DEFAULT_WORKSPACE_ID, accountId, 'owner');
  }

  private async ensureKey(manager: EntityManager, bootstrap: BootstrapKey): Promise<void> {
    const { prefix, hash } = describeApiKey(bootstrap.key);
    const current = await this.keys.bootstrapKey(manager, DEFAULT_WORKSPACE_ID, bootstrap.role);
    const burst = bootstrap.perSecond * 2;
    if (current?.key_hash === hash) {
      if (current.revoked_at) this.logger.warn({ keyId: current.id, role: bootstrap.role }, 'the bootstrap key was revoked and stays so');
      await this.keys.setRateLimit(manager, DEFAULT_WORKSPACE_ID, current.id, bootstrap.perSecond, burst);
      return;
    }
    const other = await this.keys.idOfHash(manager, hash);
    if (other) {
      throw new Error(
        `${bootstrap.role === 'admin' ? 'BOOTSTRAP_ADMIN_KEY' : 'BOOTSTRAP_INTAKE_KEY'} holds a key that already exists (key ${other}, ` +
          'possibly revoked); set a new key',
      );
    }
    // The variable now holds another key: the old one stops working, the new one takes its place.
    if (current) await this.keys.retireBootstrapKey(manager, DEFAULT_WORKSPACE_ID, current.id);
    await this.keys.insert(manager, DEFAULT_WORKSPACE_ID, {
      id: uuidv7(),
      name: bootstrap.name,
      prefix,
      hash,
      scopes: bootstrap.scopes,
      perSecond: bootstrap.perSecond,
      burst,
      bootstrap: bootstrap.role,
    });
    this.logger.info({ role: bootstrap.role, prefix }, current ? 'bootstrap key replaced' : 'bootstrap key created');
  }
}
