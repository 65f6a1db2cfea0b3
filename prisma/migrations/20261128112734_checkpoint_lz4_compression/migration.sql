-- This is an empty migration (no schema change). Add the hand-written step below and say why.

-- Storage, hand-written (Prisma's schema has no column compression, so its engine generates
-- nothing here and the drift test is unaffected), as 20261128052632_snapshot_lz4_compression
-- did for snapshots. The LangGraph saver's channel values and pending writes are the
-- serializer's bytes (bytea); PostgreSQL compresses large ones with pglz by default, and lz4
-- compresses them several times faster: at 100 KB states and 16 clients, AgentStateSaver.put
-- went from about 1.1x to 2.2x PostgresSaver's throughput (measured with `pnpm bench`: see
-- packages/langgraph/README.md). lz4 stores more bytes than pglz (it compresses less). Only
-- values written from now on use it; existing rows keep pglz and read back unchanged. SET
-- COMPRESSION changes the column's metadata only (a brief lock, no rewrite). Servers built
-- without lz4, PGlite among them, keep pglz: the block below skips them with a notice.
DO $$
BEGIN
  ALTER TABLE "agent_checkpoint_blobs" ALTER COLUMN "blob" SET COMPRESSION lz4;
  ALTER TABLE "agent_checkpoint_writes" ALTER COLUMN "blob" SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
  RAISE NOTICE 'lz4 is not available on this server: agent_checkpoint_blobs and agent_checkpoint_writes keep pglz';
END $$;
