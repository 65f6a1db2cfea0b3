import type { PrismaClient } from '../generated/prisma/client';

/** Connections held open by a test until it says so: an event, never a duration. */
export interface Held {
  /** ends the transactions and waits until their connections are back */
  release(): Promise<void>;
}

/**
 * Opens `count` transactions on `prisma`'s pool, runs `first` in each, and
 * keeps them open until release(): e.g. a full pool, or a lock another
 * process holds.
 */
export async function holdTransactions(prisma: PrismaClient, count: number, first: (tx: Pick<PrismaClient, '$queryRaw'>) => Promise<unknown>): Promise<Held> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let started = 0;
  let allStarted!: () => void;
  const ready = new Promise<void>((resolve) => (allStarted = resolve));
  const held = Array.from({ length: count }, () =>
    prisma.$transaction(
      async (tx) => {
        await first(tx);
        if (++started === count) allStarted();
        await released;
      },
      { maxWait: 10_000, timeout: 300_000 },
    ),
  );
  // A transaction that fails to start rejects here instead of leaving the test waiting.
  await Promise.race([ready, Promise.all(held)]);
  return {
    release: async () => {
      release();
      await Promise.all(held);
    },
  };
}

/** Every connection of a pool of `poolSize` taken, until release(). */
export function occupyPool(prisma: PrismaClient, poolSize: number): Promise<Held> {
  return holdTransactions(prisma, poolSize, (tx) => tx.$queryRaw`SELECT 1`);
}

/** `key`'s transaction-level advisory lock (hashtextextended(key, 0), as the doors' thread lock takes it) held on a connection of `prisma` until release(). */
export function holdAdvisoryLock(prisma: PrismaClient, key: string): Promise<Held> {
  return holdTransactions(prisma, 1, (tx) => tx.$queryRaw`SELECT pg_advisory_xact_lock(hashtextextended(${key}, 0))::text`);
}
