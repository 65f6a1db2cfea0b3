/**
 * Round trips and statements per operation of every contender, counted on
 * the wire (wireCounter.ts) with their own client libraries, after one
 * untimed operation each (connections opened, steady-state caches warm).
 */
import { openPostgresBackend } from '../clients';
import { latestReaders, pageReaders, SAVE_CONTENDERS, SAVE_DIAGNOSTICS } from '../contenders';
import type { Contender } from '../measure';
import type { Payload } from '../payloads';
import type { OperationProfile } from '../results';
import { startWireCounter } from './wireCounter';

export async function profileRoundTrips(url: string, payload: Payload, nextId: () => number, ops: number, includeReads: boolean): Promise<OperationProfile[]> {
  const wire = await startWireCounter(url);
  try {
    const backend = await openPostgresBackend(wire.url, 1);
    try {
      const context = { backend, payload, nextId };
      const contenders: Contender[] = [...SAVE_CONTENDERS, ...SAVE_DIAGNOSTICS].map((factory) => factory(context));
      if (includeReads) contenders.push(...latestReaders(backend), ...pageReaders(backend));
      const profiles: OperationProfile[] = [];
      let index = 1_000_000;
      for (const contender of contenders) {
        await contender.setup?.(1);
        await contender.op({ worker: 0, index: index++ });
        wire.reset();
        for (let i = 0; i < ops; i++) await contender.op({ worker: 0, index: index++ });
        const counts = wire.snapshot();
        profiles.push({
          id: contender.id,
          label: contender.label,
          roundTripsPerOp: counts.roundTrips / ops,
          statementsPerOp: counts.statements / ops,
          statements: [...counts.texts].map(([sql, n]) => ({ sql, perOp: n / ops })),
        });
      }
      return profiles;
    } finally {
      await backend.close();
    }
  } finally {
    await wire.close();
  }
}
