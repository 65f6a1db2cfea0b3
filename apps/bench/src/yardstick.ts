/**
 * The fixed yardstick: a table the bench creates itself (not a migration) with
 * exactly the layout agent_state_snapshots had on 2026-11-28, i.e. after
 * prisma/migrations/20261126055130_init and 20261126060556_agent_threads:
 * the same columns (jsonb state/metadata with PostgreSQL's default
 * compression, pglz), the same indexes and the same foreign keys (to userbase,
 * to agent_threads, and the parent self-reference).
 *
 * When the real table changes (lz4 compression, another column type, other
 * indexes), this copy must NOT follow: ratios "vs raw INSERT into today's
 * table" then stay comparable across storage changes. yardstick.test.ts
 * checks the copy against those two migrations, not against the newest schema.
 */
import type { SqlRunner } from './clients';

export const YARDSTICK_TABLE = 'bench_yardstick_snapshots';

/** The migrations whose result the yardstick copies (yardstick.test.ts applies exactly these). */
export const YARDSTICK_MIGRATIONS = ['20261126055130_init', '20261126060556_agent_threads'] as const;

/**
 * compression: 'pglz' pins PostgreSQL's default (default_toast_compression)
 * explicitly, so a server whose default was changed does not move the
 * yardstick; null on servers older than 14, which have no COMPRESSION clause
 * (and only pglz).
 */
export function yardstickDdl(compression: 'pglz' | null): string[] {
  const t = YARDSTICK_TABLE;
  const jsonb = compression ? `JSONB COMPRESSION ${compression}` : 'JSONB';
  return [
    `CREATE TABLE "${t}" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "seq" BIGSERIAL NOT NULL,
    "user_id" VARCHAR(128) NOT NULL,
    "thread_id" VARCHAR(128) NOT NULL,
    "run_id" VARCHAR(128) NOT NULL,
    "parent_id" UUID,
    "state" ${jsonb} NOT NULL,
    "metadata" ${jsonb} NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "${t}_pkey" PRIMARY KEY ("id")
)`,
    `CREATE UNIQUE INDEX "${t}_seq_key" ON "${t}"("seq")`,
    `CREATE INDEX "${t}_user_thread_seq_idx" ON "${t}"("user_id", "thread_id", "seq" DESC)`,
    `CREATE INDEX "${t}_user_seq_idx" ON "${t}"("user_id", "seq" DESC)`,
    `CREATE INDEX "${t}_user_run_seq_idx" ON "${t}"("user_id", "run_id", "seq" DESC)`,
    `CREATE INDEX "${t}_parent_idx" ON "${t}"("parent_id")`,
    `CREATE INDEX "${t}_created_at_idx" ON "${t}"("created_at")`,
    `ALTER TABLE "${t}" ADD CONSTRAINT "${t}_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "userbase"("id") ON DELETE CASCADE ON UPDATE CASCADE`,
    `ALTER TABLE "${t}" ADD CONSTRAINT "${t}_parent_id_fkey" FOREIGN KEY ("parent_id") REFERENCES "${t}"("id") ON DELETE SET NULL ON UPDATE CASCADE`,
    `ALTER TABLE "${t}" ADD CONSTRAINT "${t}_user_id_thread_id_fkey" FOREIGN KEY ("user_id", "thread_id") REFERENCES "agent_threads"("user_id", "id") ON DELETE CASCADE ON UPDATE CASCADE`,
  ];
}

/** Creates the yardstick table in the (migrated) bench database. */
export async function createYardstickTable(sql: SqlRunner): Promise<void> {
  const [row] = await sql.query<{ server_version_num: string }>('SHOW server_version_num');
  const compression = Number(row?.server_version_num ?? 0) >= 140000 ? 'pglz' : null;
  for (const statement of yardstickDdl(compression)) await sql.query(statement);
}
