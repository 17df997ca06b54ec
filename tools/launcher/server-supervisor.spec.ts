import type { ServerExit } from '@leadflow/dev-services';
import { MAX_SERVER_FAILURES, ServerSupervisor } from './server-supervisor';

const killed: ServerExit = { how: 'signal SIGKILL', uptimeMs: 5000, lastOutput: '    [INF] Server is ready' };

function supervise(restart: () => Promise<void>) {
  const lines: string[] = [];
  const reasons: string[] = [];
  const supervisor = new ServerSupervisor({
    name: 'nats-server on port 4222',
    keeps: 'configuration, store and port',
    restart,
    log: (line) => lines.push(line),
    giveUp: (reason) => reasons.push(reason),
  });
  return { supervisor, lines, reasons };
}

describe('ServerSupervisor', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('restarts a server that ended after the apps’ first backoff delay, saying so in one line', async () => {
    const restart = jest.fn(async () => undefined);
    const { supervisor, lines } = supervise(restart);

    supervisor.exited(killed);
    expect(lines).toEqual([
      'nats-server on port 4222 exited unexpectedly (signal SIGKILL) after 5.0 s; restarting it in 1.0 s ' +
        `with the same configuration, store and port (failure 1 in a row; at ${MAX_SERVER_FAILURES} the launcher stops)`,
    ]);
    await jest.advanceTimersByTimeAsync(999);
    expect(restart).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);
    expect(restart).toHaveBeenCalledTimes(1);
  });

  it('doubles the delay per failure in a row, counting restarts that fail, and gives up at the last one allowed', async () => {
    const restart = jest.fn(async () => {
      throw new Error('cannot start nats-server on 127.0.0.1:4222: the port is in use\n  its output:\n    (no output)');
    });
    const { supervisor, lines, reasons } = supervise(restart);

    supervisor.exited(killed);
    await jest.advanceTimersByTimeAsync(1000 + 2000 + 4000 + 8000);
    expect(restart).toHaveBeenCalledTimes(MAX_SERVER_FAILURES - 1);
    expect(lines.slice(1, -1).map((line) => /restarting it in ([\d.]+) s/.exec(line)?.[1])).toEqual(['2.0', '4.0', '8.0']);
    expect(lines[1]).toContain('did not restart: cannot start nats-server on 127.0.0.1:4222: the port is in use; restarting');
    expect(reasons).toEqual([
      `nats-server on port 4222 failed ${MAX_SERVER_FAILURES} times in a row (last: did not restart: cannot start nats-server on 127.0.0.1:4222: the port is in use)`,
    ]);
    expect(lines.at(-1)).toBe('nats-server on port 4222, its last output:\n  its output:\n    (no output)');

    await jest.advanceTimersByTimeAsync(60_000);
    expect(restart).toHaveBeenCalledTimes(MAX_SERVER_FAILURES - 1);
  });

  it('counts from one again after the server stayed up as long as a healthy app', async () => {
    const { supervisor, lines } = supervise(async () => undefined);

    supervisor.exited(killed);
    await jest.advanceTimersByTimeAsync(1000);
    supervisor.exited(killed);
    expect(lines[1]).toContain('restarting it in 2.0 s');
    await jest.advanceTimersByTimeAsync(2000);
    supervisor.exited({ ...killed, uptimeMs: 60_000 });
    expect(lines[2]).toContain('restarting it in 1.0 s');
    expect(lines[2]).toContain('failure 1 in a row');
  });

  it('restarts nothing once stopped, and waits for a restart under way', async () => {
    let finishRestart = (): void => undefined;
    const restart = jest.fn(() => new Promise<void>((resolve) => (finishRestart = resolve)));
    const { supervisor, lines } = supervise(restart);

    supervisor.exited(killed);
    await jest.advanceTimersByTimeAsync(1000);
    let stopped = false;
    const stopping = supervisor.stop().then(() => (stopped = true));
    await jest.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    finishRestart();
    await stopping;

    supervisor.exited(killed);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(restart).toHaveBeenCalledTimes(1);
    expect(lines).toHaveLength(1);
  });
});
