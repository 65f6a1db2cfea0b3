/**
 * The link's own process (forked by openLink in index.ts): the proxy runs
 * away from the bench's event loop, so the bench's JavaScript never delays a
 * chunk, and its CPU is not billed to the client's "client CPU ms/op".
 *
 * It asks for real-time scheduling (SCHED_FIFO) and a timer slack of 1 ns for
 * its threads when the system allows it (root, or CAP_SYS_NICE): a network's
 * delay does not wait for a busy CPU, and on 2 shared cores an ordinary
 * process wakes hundreds of microseconds late when PostgreSQL and the client
 * are busy. It sleeps between chunks, so it takes little CPU from them; the
 * kernel's real-time throttling caps it in any case. Otherwise it runs as an
 * ordinary process, and says so.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { startDelayProxy, type DelayProxyOptions, type ProxyStats } from './proxy';

/** lateness: false leaves the histogram out (the bench asks for counts before and after every batch). */
export type LinkRequest = { type: 'stats'; id: number; lateness: boolean } | { type: 'close' };
export type LinkReply = { type: 'ready'; port: number; scheduling: string } | { type: 'stats'; id: number; stats: ProxyStats };

function tuneScheduling(): string {
  const done: string[] = [];
  try {
    // /proc/<tid>/timerslack_ns: per thread (the timer thread's futex waits are the ones that matter).
    for (const tid of readdirSync('/proc/self/task')) writeFileSync(`/proc/${tid}/timerslack_ns`, '1');
    done.push('timer slack 1 ns');
  } catch {
    done.push('default timer slack');
  }
  try {
    execFileSync('chrt', ['--all-tasks', '--fifo', '--pid', '10', String(process.pid)], { stdio: 'ignore' });
    done.push('SCHED_FIFO 10');
  } catch {
    done.push('ordinary scheduling (chrt refused)');
  }
  return done.join(', ');
}

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as Pick<DelayProxyOptions, 'upstreamHost' | 'upstreamPort' | 'rttMs'>;
  const proxy = await startDelayProxy(options);
  const send = (reply: LinkReply) => process.send?.(reply);
  send({ type: 'ready', port: proxy.port, scheduling: tuneScheduling() });
  process.on('message', (request: LinkRequest) => {
    if (request.type === 'stats') send({ type: 'stats', id: request.id, stats: proxy.stats(request.lateness) });
    else void proxy.close().finally(() => process.exit(0));
  });
  // The bench is gone (crash, Ctrl-C): nothing to forward for any more.
  process.on('disconnect', () => process.exit(0));
}

void main().catch((error: unknown) => {
  console.error('link:', error);
  process.exit(1);
});
