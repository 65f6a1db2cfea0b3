/**
 * Wakes the link's I/O loop at fractional-millisecond deadlines. Node's own
 * timers round a delay below 1 ms up to 1 ms, and a busy loop would burn a
 * core the client and PostgreSQL need. A worker thread sleeps in
 * `Atomics.wait` with a fractional timeout (a futex wait, no spinning) and
 * posts to the I/O loop when the deadline passes; the I/O loop re-arms it.
 * Both threads read one monotonic clock (`nowMs`, hrtime).
 */
import { Worker } from 'node:worker_threads';

/** Monotonic milliseconds, the same clock in every thread of the process. */
export function nowMs(): number {
  const [seconds, nanos] = process.hrtime();
  return seconds * 1e3 + nanos / 1e6;
}

// Shared control block: Int32 [0] generation (bumped on every arm/disarm), [1] stop; Float64 at byte 8: deadline (Infinity: none).
// Plain JavaScript run by the worker as is (eval): no loader, no compiled helpers. It fires at most once per generation.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const ctl = new Int32Array(workerData, 0, 2);
const deadline = new Float64Array(workerData, 8, 1);
const now = () => { const t = process.hrtime(); return t[0] * 1e3 + t[1] / 1e6; };
for (;;) {
  const generation = Atomics.load(ctl, 0);
  if (Atomics.load(ctl, 1) === 1) break;
  const at = deadline[0];
  if (at === Infinity) { Atomics.wait(ctl, 0, generation); continue; }
  const left = at - now();
  if (left > 0) { Atomics.wait(ctl, 0, generation, left); continue; }
  parentPort.postMessage(generation);
  Atomics.wait(ctl, 0, generation);
}
`;

export interface PreciseTimer {
  /** Calls the timer's callback once, on the I/O loop, at `deadlineMs` (nowMs clock) or just after; replaces the previous deadline. */
  arm(deadlineMs: number): void;
  disarm(): void;
  close(): Promise<void>;
}

export function startPreciseTimer(onDue: () => void): PreciseTimer {
  const shared = new SharedArrayBuffer(16);
  const ctl = new Int32Array(shared, 0, 2);
  const deadline = new Float64Array(shared, 8, 1);
  deadline[0] = Number.POSITIVE_INFINITY;
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: shared });
  worker.on('message', onDue);
  worker.unref();
  const set = (at: number) => {
    deadline[0] = at; // written before the generation moves: the worker reads the generation first
    Atomics.add(ctl, 0, 1);
    Atomics.notify(ctl, 0);
  };
  return {
    arm: set,
    disarm: () => set(Number.POSITIVE_INFINITY),
    async close() {
      Atomics.store(ctl, 1, 1);
      set(Number.POSITIVE_INFINITY);
      await worker.terminate();
    },
  };
}
