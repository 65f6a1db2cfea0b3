import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { activeHandles, describeLeftOpen, pendingTimers, recordTimers, settledLeftOpen } from './handles';

describe('what a test file leaves open', () => {
  it('sees a server left listening and a child process still running, and nothing once they are closed', async () => {
    const before = activeHandles();
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    const open = await settledLeftOpen(before, new Set(), 100);
    expect(open.handles).toEqual(expect.arrayContaining([server, child]));
    const lines = describeLeftOpen(open);
    expect(lines).toEqual(expect.arrayContaining([expect.stringMatching(/^server listening on .*127\.0\.0\.1/), `child process ${child.pid}: sleep 30`]));

    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill();
    await exited;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(await settledLeftOpen(before, new Set(), 2_000)).toEqual({ handles: [], timers: [] });
  });

  it('ignores unref\'d handles: they keep nothing alive', async () => {
    const before = activeHandles();
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    server.unref();
    try {
      expect((await settledLeftOpen(before, new Set(), 100)).handles).toEqual([]);
    } finally {
      server.close();
    }
  });

  it('knows the timers a file started: pending and ref\'d ones are left open; fired, cleared and unref\'d ones are not', async () => {
    const global: Record<string, unknown> = { setTimeout, setInterval };
    const timers = recordTimers(global);
    const start = global.setTimeout as typeof setTimeout;
    const every = global.setInterval as typeof setInterval;
    const fired = start(() => undefined, 1);
    const cleared = start(() => undefined, 60_000);
    clearTimeout(cleared);
    const unrefd = start(() => undefined, 60_000).unref();
    const pending = start(() => undefined, 60_000);
    const interval = every(() => undefined, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 20));
    try {
      expect(timers.size).toBe(5);
      expect(pendingTimers(timers)).toEqual([pending, interval]);
      expect(describeLeftOpen({ handles: [], timers: [pending] })).toEqual([expect.stringMatching(/^timer of 60000 ms: /)]);
      expect(fired.hasRef()).toBe(true); // fired, not unref'd: it is the firing that counts
      expect(unrefd.hasRef()).toBe(false);
    } finally {
      clearTimeout(pending);
      clearInterval(interval);
      clearTimeout(unrefd);
    }
    expect(pendingTimers(timers)).toEqual([]);
  });
});
