/** Pure helpers for the PostgreSQL and NATS URLs the tools pass around. */

const DATABASE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** True for names the tools create databases with: lower-case, unquoted-safe, at most 63 bytes. */
export function isValidDatabaseName(name: string): boolean {
  return DATABASE_NAME.test(name);
}

export function assertDatabaseName(name: string): void {
  if (!isValidDatabaseName(name)) {
    throw new Error(`invalid database name ${JSON.stringify(name)}: expected ${DATABASE_NAME.source}`);
  }
}

/** The same PostgreSQL URL (credentials, host, query) pointing at database `database`. */
export function withDatabase(url: string, database: string): string {
  const parsed = parseUrl(url, ['postgres:', 'postgresql:']);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

/** The database a PostgreSQL URL names, or undefined when it names none. */
export function databaseNameOf(url: string): string | undefined {
  const name = decodeURIComponent(parseUrl(url, ['postgres:', 'postgresql:']).pathname.replace(/^\//, ''));
  return name.length > 0 ? name : undefined;
}

/** The URL with its password masked, for logs. Strings that are not URLs come back unchanged. */
export function redactUrl(url: string): string {
  return url
    .split(',')
    .map((part) => {
      try {
        const parsed = new URL(part.trim());
        if (parsed.password) parsed.password = '***';
        return parsed.toString();
      } catch {
        return part;
      }
    })
    .join(',');
}

/** The servers of a NATS_URL, which may list several separated by commas. */
export function natsServers(url: string): string[] {
  const servers = url
    .split(',')
    .map((server) => server.trim())
    .filter((server) => server.length > 0);
  if (servers.length === 0) throw new Error('NATS URL is empty');
  for (const server of servers) parseUrl(server, ['nats:', 'tls:']);
  return servers;
}

function parseUrl(url: string, protocols: readonly string[]): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`not a URL: ${JSON.stringify(redactUrl(url))}`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new Error(`expected a ${protocols.map((p) => `${p}//`).join(' or ')} URL, got ${JSON.stringify(redactUrl(url))}`);
  }
  return parsed;
}
