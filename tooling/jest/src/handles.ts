/**
 * What a test file leaves open that keeps a Node process alive: sockets,
 * servers, child processes (Node's ref'd handles, by identity: the ones there
 * after the file that were not there before it) and timers the file's code
 * started and neither cleared nor let fire (ref'd ones only: an unref'd timer
 * or handle keeps nothing alive).
 */

type Handle = object;

/** Node's ref'd handles (sockets, servers, child processes, pipes); timers are not among them. */
export function activeHandles(): Set<Handle> {
  const getHandles = (process as unknown as { _getActiveHandles?: () => Handle[] })._getActiveHandles;
  return new Set(getHandles ? getHandles.call(process) : []);
}

interface TimerLike {
  hasRef(): boolean;
  _destroyed?: boolean;
  _idleTimeout?: number;
  _onTimeout?: unknown;
}

/** Timers that are still scheduled (not fired, not cleared) and ref'd. */
export function pendingTimers(timers: Iterable<TimerLike>): TimerLike[] {
  return [...timers].filter((t) => t._destroyed === false && t.hasRef());
}

/**
 * Wraps setTimeout/setInterval of a test file's global object so that the
 * timers its code starts are known. The real timer objects are returned.
 */
export function recordTimers(global: Record<string, unknown>): Set<TimerLike> {
  const timers = new Set<TimerLike>();
  for (const name of ['setTimeout', 'setInterval'] as const) {
    const original = global[name] as ((...args: unknown[]) => TimerLike) | undefined;
    if (typeof original !== 'function') continue;
    global[name] = Object.assign(
      function recorded(this: unknown, ...args: unknown[]) {
        const timer = original.apply(this, args);
        // forget finished ones now and then: a file may start many short timers
        if (timers.size > 10_000) for (const t of timers) if (t._destroyed) timers.delete(t);
        if (timer && typeof timer === 'object') timers.add(timer);
        return timer;
      },
      original,
    );
  }
  return timers;
}

export interface LeftOpen {
  handles: Handle[];
  timers: TimerLike[];
}

/** What is open now that was not before (handles) or that the file started (timers), waiting up to `timeoutMs` for things closing asynchronously. */
export async function settledLeftOpen(before: Set<Handle>, timers: Set<TimerLike>, timeoutMs: number): Promise<LeftOpen> {
  const deadline = Date.now() + timeoutMs;
  const now = (): LeftOpen => ({ handles: [...activeHandles()].filter((h) => !before.has(h)), timers: pendingTimers(timers) });
  let open = now();
  while (open.handles.length + open.timers.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    open = now();
  }
  return open;
}

/** One line per handle or timer, best effort (Node's handle objects are not a stable API). */
export function describeLeftOpen(open: LeftOpen): string[] {
  const lines: string[] = [];
  for (const handle of open.handles) {
    const h = handle as Record<string, unknown>;
    const name = handle.constructor?.name ?? 'handle';
    if (name === 'Socket' && typeof h.remotePort === 'number') lines.push(`socket to ${String(h.remoteAddress)}:${h.remotePort} (from port ${String(h.localPort)})`);
    else if (name === 'Server' && typeof h.address === 'function') lines.push(`server listening on ${JSON.stringify((h.address as () => unknown).call(h))}`);
    else if (name === 'ChildProcess') lines.push(`child process ${String(h.pid)}: ${((h.spawnargs as string[] | undefined) ?? []).join(' ').slice(0, 200)}`);
    else lines.push(name);
  }
  for (const t of open.timers) lines.push(`timer of ${String(t._idleTimeout)} ms: ${String(t._onTimeout).replace(/\s+/g, ' ').slice(0, 160)}`);
  return lines;
}

export class HandlesLeftOpenError extends Error {
  readonly code = 'HANDLES_LEFT_OPEN';
  constructor(
    readonly testPath: string,
    readonly details: string[],
  ) {
    super(
      `${testPath} left ${details.length} handle(s) open after its last hook (pools, servers, sockets, timers and child processes must be closed in afterAll or finally):\n${details.map((d) => `  ${d}`).join('\n')}`,
    );
    this.name = 'HandlesLeftOpenError';
  }
}
