/** TCP helpers for tools: find a free port, wait until a server accepts connections. */
import { createConnection, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** True when `port` can be bound on `host` right now (nothing listens there). */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * Where free ports are looked for: below Linux's ephemeral range (32768-60999 by default), from
 * which outgoing connections take their local ports. A port the OS picks as free comes from that
 * range, so between finding it and a server listening on it, any outgoing connection (to
 * PostgreSQL, NATS, …) may take it; a port below the range can only be taken by another listener.
 */
const LISTEN_PORTS = { from: 20000, to: 32767 } as const;
const LISTEN_PORT_ATTEMPTS = 20;
/**
 * Ports this process handed out already: a server started on one may take seconds to listen, and
 * until it does, the port still looks free to the next caller (five apps and a NATS server started
 * one after another).
 */
const handedOut = new Set<number>();

/** `preferred` when it is free, otherwise a free port below the ephemeral range (or, failing that, one the OS picks). */
export async function findFreePort(preferred?: number, host = '127.0.0.1'): Promise<number> {
  if (preferred !== undefined && (await isPortFree(preferred, host))) return preferred;
  for (let attempt = 0; attempt < LISTEN_PORT_ATTEMPTS; attempt += 1) {
    const port = LISTEN_PORTS.from + Math.floor(Math.random() * (LISTEN_PORTS.to - LISTEN_PORTS.from + 1));
    if (handedOut.has(port)) continue;
    // Recorded before the check, so that a concurrent call does not pick it meanwhile.
    handedOut.add(port);
    if (await isPortFree(port, host)) return port;
    handedOut.delete(port);
  }
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error(`could not get a free port on ${host}`))));
    });
  });
}

/** True when something accepts a TCP connection at host:port within `timeoutMs`. */
export function canConnect(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (ok: boolean): void => {
      socket.removeAllListeners();
      socket.on('error', () => undefined);
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export interface WaitForTcpOptions {
  host: string;
  port: number;
  timeoutMs: number;
  intervalMs?: number;
  /** Stops the wait early (e.g. the server process exited); the wait rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** Resolves once host:port accepts a connection; rejects after `timeoutMs` or when `signal` aborts. */
export async function waitForTcp(options: WaitForTcpOptions): Promise<void> {
  const { host, port, timeoutMs, intervalMs = 50, signal } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (signal?.aborted) throw abortReason(signal);
    if (await canConnect(host, port, Math.min(1000, Math.max(1, deadline - Date.now())))) return;
    if (signal?.aborted) throw abortReason(signal);
    if (Date.now() >= deadline) throw new Error(`nothing accepted a TCP connection at ${host}:${port} within ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason ?? 'aborted'));
}
