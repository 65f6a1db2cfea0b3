-- This is an empty migration (no schema change). Add the hand-written step below and say why.

-- Storage, hand-written (Prisma's schema has no column compression, so its engine generates
-- nothing here and the drift test is unaffected). PostgreSQL compresses large jsonb values
-- with pglz by default; lz4 compresses and decompresses them several times faster (measured
-- with `pnpm bench`: see the README's Performance section). Only values written from now on
-- use it; existing rows keep pglz and read back unchanged. SET COMPRESSION changes the column's
-- metadata only (a brief lock, no rewrite). Servers built without lz4, PGlite among them,
-- keep pglz: the block below skips them with a notice.
DO $$
BEGIN
  ALTER TABLE "agent_state_snapshots" ALTER COLUMN "state" SET COMPRESSION lz4, ALTER COLUMN "metadata" SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
  RAISE NOTICE 'lz4 is not available on this server: agent_state_snapshots keeps pglz';
END $$;
