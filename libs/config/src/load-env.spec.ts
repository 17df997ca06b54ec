import { Expose } from 'class-transformer';
import { IsString, Matches } from 'class-validator';
import { EnvValidationError, loadEnv } from './load-env';
import { PlatformEnv } from './platform-env';
import { RequiredInProduction, requiredInProduction } from './required-in-production';

class SampleEnv extends PlatformEnv {
  override HTTP_PORT = 3002;

  @Expose()
  @IsString()
  REQUIRED_SECRET!: string;
}

describe('loadEnv', () => {
  it('fills defaults for variables that are absent and keeps the subclass default port', () => {
    const env = loadEnv(SampleEnv, { REQUIRED_SECRET: 's' });
    expect(env.HTTP_PORT).toBe(3002);
    expect(env.NATS_URL).toBe('nats://127.0.0.1:4222');
    expect(env.NATS_NAMESPACE).toBe('');
  });

  it('converts numeric variables from strings', () => {
    const env = loadEnv(SampleEnv, { REQUIRED_SECRET: 's', HTTP_PORT: '4100', DATABASE_POOL_SIZE: '3' });
    expect(env.HTTP_PORT).toBe(4100);
    expect(env.DATABASE_POOL_SIZE).toBe(3);
  });

  it('ignores variables the class does not declare', () => {
    const env = loadEnv(SampleEnv, { REQUIRED_SECRET: 's', PATH: '/usr/bin' });
    expect(env).not.toHaveProperty('PATH');
  });

  it('names every bad or missing variable with what it got', () => {
    let caught: unknown;
    try {
      loadEnv(SampleEnv, { HTTP_PORT: 'eighty', NATS_URL: 'http://x', LOG_LEVEL: 'loud' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(EnvValidationError);
    const message = (caught as Error).message;
    expect(message).toContain('HTTP_PORT');
    expect(message).toContain('got "eighty"');
    expect(message).toContain('NATS_URL');
    expect(message).toContain('LOG_LEVEL');
    expect(message).toContain('REQUIRED_SECRET');
    expect(message).toContain('not set');
    expect((caught as EnvValidationError).problems).toHaveLength(4);
  });

  it('accepts a list of NATS servers and rejects a namespace with capitals', () => {
    expect(loadEnv(SampleEnv, { REQUIRED_SECRET: 's', NATS_URL: 'nats://a:4222,nats://b:4222' }).NATS_URL).toContain('b:4222');
    expect(() => loadEnv(SampleEnv, { REQUIRED_SECRET: 's', NATS_NAMESPACE: 'Run1' })).toThrow(/NATS_NAMESPACE/);
  });

  it('asks for NATS_USER when NATS_PASSWORD is set, and never shows a secret in the message', () => {
    expect(() => loadEnv(SampleEnv, { REQUIRED_SECRET: 's', NATS_PASSWORD: 'hunter2' })).toThrow(
      /NATS_USER: .*needed when NATS_PASSWORD is set/,
    );
    expect(loadEnv(SampleEnv, { REQUIRED_SECRET: 's', NATS_USER: 'contacts', NATS_PASSWORD: 'hunter2' }).NATS_USER).toBe('contacts');

    let message = '';
    try {
      loadEnv(SampleEnv, { REQUIRED_SECRET: 'the-secret-value-x', NATS_USER: 'no spaces', HTTP_PORT: 'x' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('got "no spaces"');
    class StrictSecret extends PlatformEnv {
      @Expose()
      @Matches(/^.{40,}$/)
      AUTH_TOKEN_SECRET = '';
    }
    try {
      loadEnv(StrictSecret, { AUTH_TOKEN_SECRET: 'too-short-secret-value' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('AUTH_TOKEN_SECRET');
    expect(message).toContain('set; the value is not shown');
    expect(message).not.toContain('too-short-secret-value');
  });

  describe('variables required in production', () => {
    class ProductionEnv extends PlatformEnv {
      @Expose()
      @RequiredInProduction()
      @IsString()
      SIGNING_KEY = 'dev-only';
    }
    const deployed = {
      DATABASE_URL: 'postgres://leadflow_metrics:pw@db:5432/leadflow',
      NATS_URL: 'nats://nats:4222',
      NATS_USER: 'metrics',
      NATS_PASSWORD: 'pw',
      SIGNING_KEY: 'k',
    };

    it('lists the platform variables and the subclass ones', () => {
      expect(requiredInProduction(PlatformEnv)).toEqual(['DATABASE_URL', 'NATS_PASSWORD', 'NATS_URL', 'NATS_USER']);
      expect(requiredInProduction(ProductionEnv)).toEqual(['DATABASE_URL', 'NATS_PASSWORD', 'NATS_URL', 'NATS_USER', 'SIGNING_KEY']);
    });

    it('lets the developer defaults stand outside production', () => {
      expect(loadEnv(ProductionEnv, { NODE_ENV: 'development' }).DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/leadflow');
    });

    it('refuses to start in production until each one is set, naming every missing one', () => {
      expect(loadEnv(ProductionEnv, { ...deployed, NODE_ENV: 'production' }).NATS_USER).toBe('metrics');
      let problems: readonly string[] = [];
      try {
        loadEnv(ProductionEnv, { NODE_ENV: 'production', DATABASE_URL: deployed.DATABASE_URL, NATS_PASSWORD: '' });
      } catch (error) {
        problems = (error as EnvValidationError).problems;
      }
      expect(problems.map((problem) => problem.split(':')[0]).sort()).toEqual(['NATS_PASSWORD', 'NATS_URL', 'NATS_USER', 'SIGNING_KEY']);
      expect(problems[0]).toMatch(/must be set when NODE_ENV is production/);
    });
  });
});
