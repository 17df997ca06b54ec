import { createServer } from 'node:net';
import { findFreePort, isPortFree } from './ports';

describe('findFreePort', () => {
  it('finds ports below the range outgoing connections take their local ports from, each free to listen on', async () => {
    const ports = await Promise.all(Array.from({ length: 20 }, () => findFreePort()));
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(20000);
      expect(port).toBeLessThanOrEqual(32767);
      expect(await isPortFree(port)).toBe(true);
    }
  });

  it('never hands out a port twice, though nothing listens on it yet (a server started on it may still be booting)', async () => {
    // 1,000 random picks from 12,768 ports repeat one about 39 times on average without the record (47 in one run).
    const ports: number[] = [];
    for (let i = 0; i < 1000; i += 1) ports.push(await findFreePort());
    expect(new Set(ports).size).toBe(ports.length);
  });

  it('keeps a preferred port that is free, and looks elsewhere when it is taken', async () => {
    const server = createServer();
    const taken = await new Promise<number>((resolve) =>
      server.listen({ port: 0, host: '127.0.0.1' }, () => resolve((server.address() as { port: number }).port)),
    );
    try {
      const free = await findFreePort();
      expect(await findFreePort(free)).toBe(free);
      expect(await findFreePort(taken)).not.toBe(taken);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
