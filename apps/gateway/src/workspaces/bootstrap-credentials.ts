import { DEFAULT_WORKSPACE_ID } from '@leadflow/contracts';
import { qualifiedTable } from '@leadflow/database';
import { APP_LOGGER } from '@leadflow/logging';
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Logger } from 'pino';
import type { DataSource, EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { GatewayEnv } from '../config/env';
import { describeApiKey, type Scope } from './api-key';
import { hashPassword, passwordMatches } from './credentials-crypto';

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
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext('leadflow:gateway:bootstrap'))`);
      await manager.query(
        `INSERT INTO ${qualifiedTable(this.dataSource, 'workspaces')} ("id", "name") VALUES ($1, 'Default') ON CONFLICT ("id") DO NOTHING`,
        [DEFAULT_WORKSPACE_ID],
      );
      for (const key of keys) await this.ensureKey(manager, key);
      if (this.env.BOOTSTRAP_ADMIN_EMAIL) await this.ensureOwner(manager, this.env.BOOTSTRAP_ADMIN_EMAIL.trim().toLowerCase());
    });
  }

  /** The account of BOOTSTRAP_ADMIN_EMAIL exists, has BOOTSTRAP_ADMIN_PASSWORD, and owns `default`. */
  private async ensureOwner(manager: EntityManager, email: string): Promise<void> {
    const accounts = qualifiedTable(this.dataSource, 'admin_accounts');
    const [account] = (await manager.query(`SELECT "id", "password_hash" FROM ${accounts} WHERE "email" = $1`, [email])) as Array<{
      id: string;
      password_hash: string;
    }>;
    let accountId = account?.id;
    if (!accountId) {
      accountId = uuidv7();
      await manager.query(`INSERT INTO ${accounts} ("id", "email", "password_hash") VALUES ($1, $2, $3)`, [
        accountId,
        email,
        await hashPassword(this.env.BOOTSTRAP_ADMIN_PASSWORD),
      ]);
      this.logger.info({ email }, 'bootstrap owner created');
    } else if (!(await passwordMatches(account.password_hash, this.env.BOOTSTRAP_ADMIN_PASSWORD))) {
      await manager.query(`UPDATE ${accounts} SET "password_hash" = $2 WHERE "id" = $1`, [
        accountId,
        await hashPassword(this.env.BOOTSTRAP_ADMIN_PASSWORD),
      ]);
      this.logger.info({ email }, 'bootstrap owner password replaced');
    }
    await manager.query(
      `INSERT INTO ${qualifiedTable(this.dataSource, 'workspace_admins')} ("workspace_id", "account_id", "role") VALUES ($1, $2, 'owner')
       ON CONFLICT ("workspace_id", "account_id") DO UPDATE SET "role" = 'owner'`,
      [DEFAULT_WORKSPACE_ID, accountId],
    );
  }

  private async ensureKey(manager: EntityManager, bootstrap: BootstrapKey): Promise<void> {
    const table = qualifiedTable(this.dataSource, 'api_keys');
    const { prefix, hash } = describeApiKey(bootstrap.key);
    const [current] = (await manager.query(`SELECT "id", "key_hash", "revoked_at" FROM ${table} WHERE "bootstrap" = $1`, [
      bootstrap.role,
    ])) as Array<{ id: string; key_hash: string; revoked_at: Date | null }>;
    const burst = bootstrap.perSecond * 2;
    if (current?.key_hash === hash) {
      if (current.revoked_at) this.logger.warn({ keyId: current.id, role: bootstrap.role }, 'the bootstrap key was revoked and stays so');
      await manager.query(`UPDATE ${table} SET "rate_limit_per_second" = $2, "rate_limit_burst" = $3 WHERE "id" = $1`, [
        current.id,
        bootstrap.perSecond,
        burst,
      ]);
      return;
    }
    const [other] = (await manager.query(`SELECT "id" FROM ${table} WHERE "key_hash" = $1`, [hash])) as Array<{ id: string }>;
    if (other) {
      throw new Error(
        `${bootstrap.role === 'admin' ? 'BOOTSTRAP_ADMIN_KEY' : 'BOOTSTRAP_INTAKE_KEY'} holds a key that already exists (key ${other.id}, ` +
          'possibly revoked); set a new key',
      );
    }
    if (current) {
      // The variable now holds another key: the old one stops working, the new one takes its place.
      await manager.query(`UPDATE ${table} SET "bootstrap" = NULL, "revoked_at" = coalesce("revoked_at", now()) WHERE "id" = $1`, [
        current.id,
      ]);
    }
    await manager.query(
      `INSERT INTO ${table} ("id", "workspace_id", "name", "prefix", "key_hash", "scopes", "bootstrap", "rate_limit_per_second", "rate_limit_burst")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [uuidv7(), DEFAULT_WORKSPACE_ID, bootstrap.name, prefix, hash, bootstrap.scopes, bootstrap.role, bootstrap.perSecond, burst],
    );
    this.logger.info({ role: bootstrap.role, prefix }, current ? 'bootstrap key replaced' : 'bootstrap key created');
  }
}
