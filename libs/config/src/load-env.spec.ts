import { Expose } from 'class-transformer';
import { IsString, Matches } from 'class-validator';
import { EnvValidationError, loadEnv } from './load-env';
import { PlatformEnv } from './platform-env';

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
});
