import { databaseNameOf, isValidDatabaseName, natsServers, redactUrl, withDatabase } from './urls';

describe('isValidDatabaseName', () => {
  it.each(['leadflow', '_x', 'lf_test_42', 'a'.repeat(63)])('accepts %s', (name) => {
    expect(isValidDatabaseName(name)).toBe(true);
  });

  it.each(['', 'LeadFlow', '1abc', 'lead-flow', 'a b', 'x"; drop database y; --', 'a'.repeat(64), 'é'])('rejects %j', (name) => {
    expect(isValidDatabaseName(name)).toBe(false);
  });
});

describe('withDatabase', () => {
  it('replaces the database and keeps credentials, host, port and query', () => {
    expect(withDatabase('postgresql://u:p%40ss@db.local:6543/leadflow?sslmode=require', 'postgres')).toBe(
      'postgresql://u:p%40ss@db.local:6543/postgres?sslmode=require',
    );
  });

  it('adds a database to a URL that names none', () => {
    expect(withDatabase('postgres://postgres@127.0.0.1:5432', 'leadflow')).toBe('postgres://postgres@127.0.0.1:5432/leadflow');
  });

  it('round-trips the default URL unchanged', () => {
    const url = 'postgres://postgres@127.0.0.1:5432/leadflow';
    expect(withDatabase(withDatabase(url, 'postgres'), 'leadflow')).toBe(url);
  });

  it('refuses a URL that is not postgres://', () => {
    expect(() => withDatabase('mysql://h/db', 'x')).toThrow('expected a postgres:// or postgresql:// URL');
  });
});

describe('databaseNameOf', () => {
  it('reads the database from the path', () => {
    expect(databaseNameOf('postgres://postgres@127.0.0.1:5432/leadflow')).toBe('leadflow');
  });

  it('is undefined when the URL names no database', () => {
    expect(databaseNameOf('postgres://127.0.0.1:5432')).toBeUndefined();
    expect(databaseNameOf('postgres://127.0.0.1:5432/')).toBeUndefined();
  });
});

describe('redactUrl', () => {
  it('masks the password and keeps the rest', () => {
    expect(redactUrl('postgres://app:s3cret@db:5432/leadflow')).toBe('postgres://app:***@db:5432/leadflow');
  });

  it('masks every server of a NATS list', () => {
    expect(redactUrl('nats://a:pw@h1:4222,nats://b:pw2@h2:4222')).toBe('nats://a:***@h1:4222,nats://b:***@h2:4222');
  });

  it('leaves URLs without a password and non-URLs alone', () => {
    expect(redactUrl('postgres://postgres@127.0.0.1:5432/leadflow')).toBe('postgres://postgres@127.0.0.1:5432/leadflow');
    expect(redactUrl('not a url')).toBe('not a url');
  });
});

describe('natsServers', () => {
  it('splits a comma-separated list and trims it', () => {
    expect(natsServers('nats://a:4222, nats://b:4222')).toEqual(['nats://a:4222', 'nats://b:4222']);
  });

  it('refuses other schemes and empty lists', () => {
    expect(() => natsServers('http://a:4222')).toThrow('expected a nats:// or tls:// URL');
    expect(() => natsServers(' , ')).toThrow('NATS URL is empty');
  });
});
