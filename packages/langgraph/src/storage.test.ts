/**
 * The hand-written lz4 migration (prisma/migrations/*_checkpoint_lz4_compression):
 * lz4 for channel values and pending writes where the server has it, pglz
 * kept (the migration still applies) where it does not, as on PGlite.
 */
import { describeEachDatabase } from '@agentstate/db/testing';

describeEachDatabase('checkpoint value storage', (db, kind) => {
  it(kind === 'postgresql' ? 'compresses channel values and pending writes with lz4' : 'keeps the default compression (no lz4 in PGlite), migrated all the same', async () => {
    const rows = await db().prisma.$queryRaw<Array<{ attrelid: string; attcompression: string }>>`
      SELECT attrelid::regclass::text AS attrelid, attcompression::text AS attcompression FROM pg_attribute
      WHERE attrelid IN ('agent_checkpoint_blobs'::regclass, 'agent_checkpoint_writes'::regclass) AND attname = 'blob' ORDER BY 1`;
    const expected = kind === 'postgresql' ? 'l' : '';
    expect(rows).toEqual([
      { attrelid: 'agent_checkpoint_blobs', attcompression: expected },
      { attrelid: 'agent_checkpoint_writes', attcompression: expected },
    ]);
  });
});
