// Test helpers: databases in the states the doctor must recognise, made by hand with SQL.
import type { PrismaClient } from '@agentstate/db';
import type { ForeignKeyCheck } from './types';

/** A consistent data set: two users (one auto-provisioned), a thread, a root snapshot (parent_id NULL) and its child. */
export async function insertHealthyRows(prisma: PrismaClient): Promise<void> {
  await prisma.$executeRaw`INSERT INTO userbase (id, email, auto_provisioned) VALUES
    ('dev-temp-1', 'dev-temp-1@auto-provisioned.invalid', true), ('alice', 'alice@example.com', false)`;
  await prisma.$executeRaw`INSERT INTO agent_threads (user_id, id) VALUES ('dev-temp-1', 'thread-1')`;
  await prisma.$executeRaw`INSERT INTO agent_state_snapshots (id, user_id, thread_id, run_id, state) VALUES
    ('00000000-0000-4000-8000-000000000001', 'dev-temp-1', 'thread-1', 'run-1', '{}')`;
  await prisma.$executeRaw`INSERT INTO agent_state_snapshots (user_id, thread_id, run_id, parent_id, state) VALUES
    ('dev-temp-1', 'thread-1', 'run-1', '00000000-0000-4000-8000-000000000001', '{}')`;
}

/**
 * Inserts `count` snapshots for each user id, none of which has a userbase
 * row. Their thread key (user_id, thread_id) would need a thread row, which
 * needs the user row: the rows go in with foreign key triggers off
 * (session_replication_role = replica, as a restore with --disable-triggers
 * does), so they are orphans of the thread key too, constraint or not.
 */
export async function insertOrphanSnapshots(prisma: PrismaClient, countByUser: Record<string, number>): Promise<void> {
  await prisma.$transaction(async (tx) => {
    await tx.$executeRawUnsafe('SET LOCAL session_replication_role = replica');
    for (const [userId, count] of Object.entries(countByUser)) {
      await tx.$executeRaw`INSERT INTO agent_state_snapshots (user_id, thread_id, run_id, state)
        SELECT ${userId}, 'thread-1', 'run-1', '{}'::jsonb FROM generate_series(1, ${count}::int)`;
    }
  });
}

export const DROP_SNAPSHOT_USER_FK = 'ALTER TABLE agent_state_snapshots DROP CONSTRAINT agent_state_snapshots_user_id_fkey';
/** The same constraint as the migration's, added back without checking existing rows. */
export const ADD_SNAPSHOT_USER_FK_NOT_VALID =
  'ALTER TABLE agent_state_snapshots ADD CONSTRAINT agent_state_snapshots_user_id_fkey FOREIGN KEY (user_id) REFERENCES userbase(id) ON DELETE CASCADE ON UPDATE CASCADE NOT VALID';

/** 12 orphan rows under 7 user ids: more keys than the report lists as examples. */
export const GHOSTS = { 'ghost-a': 4, 'ghost-b': 3, 'ghost-c': 1, 'ghost-d': 1, 'ghost-e': 1, 'ghost-f': 1, 'ghost-g': 1 };

/** Characters in printed output a terminal would act on (controls but the newline, format characters, line separators). */
export function rawControlCharacters(text: string): string[] {
  return [...text].filter((char) => char !== '\n' && /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(char));
}

/**
 * A foreign key as the report gives it: by default agent_threads -> userbase,
 * healthy; `overrides` for other keys and states. Found under its own name
 * unless missing or the case says otherwise.
 */
export function foreignKeyCheck(overrides: Partial<ForeignKeyCheck> = {}): ForeignKeyCheck {
  const check: ForeignKeyCheck = {
    constraint: 'agent_threads_user_id_fkey',
    model: 'AgentThread',
    field: 'user',
    required: true,
    table: 'agent_threads',
    columns: ['user_id'],
    referencedTable: 'userbase',
    referencedColumns: ['id'],
    onDelete: 'CASCADE',
    onUpdate: 'CASCADE',
    state: 'ok',
    foundConstraint: null,
    differences: [],
    orphans: { rows: 0, keys: 0, examples: [] },
    ...overrides,
  };
  return { ...check, foundConstraint: overrides.foundConstraint !== undefined ? overrides.foundConstraint : check.state === 'missing' ? null : check.constraint };
}
