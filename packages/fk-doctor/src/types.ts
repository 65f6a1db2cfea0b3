// The report is plain JSON data (strings, numbers, arrays): `--json` prints it
// as it is, and JSON.parse gives the same object back.

/** A foreign key as Prisma's data model declares it. */
export interface ExpectedForeignKey {
  /** the constraint name Prisma Migrate gives it (<table>_<columns>_fkey) */
  constraint: string;
  /** owning model and relation field, e.g. AgentStateSnapshot.user */
  model: string;
  field: string;
  /** whether every row must have the relation (false: nullable key, e.g. parent) */
  required: boolean;
  table: string;
  columns: string[];
  referencedTable: string;
  referencedColumns: string[];
  /** referential actions in SQL words (CASCADE, RESTRICT, NO ACTION, SET NULL, SET DEFAULT), Prisma's defaults filled in */
  onDelete: ReferentialAction;
  onUpdate: ReferentialAction;
}

export type ReferentialAction = 'CASCADE' | 'RESTRICT' | 'NO ACTION' | 'SET NULL' | 'SET DEFAULT';

/** A foreign key constraint as found in pg_constraint. */
export interface FoundForeignKey {
  constraint: string;
  table: string;
  columns: string[];
  referencedTable: string;
  referencedColumns: string[];
  /** pg_constraint.convalidated: false after ADD CONSTRAINT … NOT VALID */
  validated: boolean;
  onDelete: ReferentialAction;
  onUpdate: ReferentialAction;
  /** DEFERRABLE (Prisma Migrate never makes one: checks would move to commit time) */
  deferrable: boolean;
  /** MATCH SIMPLE (PostgreSQL's default, and Prisma's), FULL or PARTIAL */
  match: 'SIMPLE' | 'FULL' | 'PARTIAL';
}

/**
 * Foreign keys are found by what they enforce, not by name: the constraint on
 * the table with the same key (column pairs) and referenced table.
 * ok: found, the same definition (actions, NOT DEFERRABLE, MATCH SIMPLE) and validated, under any name;
 * missing: no constraint with that key, and none with the expected name;
 * not-valid: found but NOT VALID (existing rows never checked);
 * mismatch: found with other actions, deferrability or match type, or only a
 * constraint of the expected name enforcing another key or referenced table.
 */
export type ConstraintState = 'ok' | 'missing' | 'not-valid' | 'mismatch';

export interface OrphanExample {
  /** key column -> value (as text) */
  key: Record<string, string>;
  /** rows of the owning table holding this key */
  rows: number;
}

export interface Orphans {
  /** rows of the owning table whose non-null key has no referenced row */
  rows: number;
  /** distinct keys among them */
  keys: number;
  /** up to 5 keys, most rows first */
  examples: OrphanExample[];
}

export interface ForeignKeyCheck extends ExpectedForeignKey {
  state: ConstraintState;
  /** the name of the database's constraint checked (it may differ from `constraint`); null when missing */
  foundConstraint: string | null;
  /** what differs from the data model, one sentence each (state 'mismatch') */
  differences: string[];
  orphans: Orphans;
}

export interface AgeBucketCount {
  label: string;
  count: number;
}

export interface RefusalCount {
  reasonCode: string;
  environment: string;
  count: number;
}

export type Problem =
  | { kind: 'missing' | 'not-valid' | 'mismatch'; constraint: string }
  | { kind: 'orphans'; constraint: string; rows: number };

export interface Verdict {
  healthy: boolean;
  problems: Problem[];
  /** `fk:doctor: healthy` or `fk:doctor: 2 problems (1 foreign key missing, 12 orphan rows)` */
  line: string;
}

/** A thread holding element rows (growing-state storage) that no snapshot or checkpoint blob layout references. */
export interface UnreferencedElementThread {
  userId: string;
  threadId: string;
  rows: number;
}

/** One user's stored bytes (pg_column_size of each row: compressed, TOAST included, indexes not). */
export interface UserStoredBytes {
  userId: string;
  bytes: number;
  snapshotBytes: number;
  elementBytes: number;
  checkpointBlobBytes: number;
}

export interface GrowingStateReport {
  /**
   * Element rows no layout references: a save or a collection that stopped
   * half way would leave them. Reclaimed by the next prune or collection of
   * their thread; reported, not a problem of the verdict (no key is broken).
   */
  unreferencedElements: { rows: number; threads: number; top: UnreferencedElementThread[] };
  /** the users storing the most bytes, most first (at most 5) */
  largestUsers: UserStoredBytes[];
}

export interface DoctorReport {
  /** the database checked, as the caller described it (password redacted), if given */
  database?: string;
  /** ISO time the ages and the refusal window are measured from */
  checkedAt: string;
  foreignKeys: ForeignKeyCheck[];
  autoProvisionedUsers: { total: number; buckets: AgeBucketCount[] };
  refusals: { days: number; since: string; total: number; byReason: RefusalCount[] };
  growingState: GrowingStateReport;
  verdict: Verdict;
}
