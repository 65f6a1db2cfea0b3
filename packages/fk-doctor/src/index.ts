export { runFkDoctor, DatabaseNotMigratedError, DEFAULT_DAYS } from './doctor';
export type { FkDoctorOptions } from './doctor';
export { formatReport, formatSummary } from './format';
export { AGE_BUCKETS, ageBucketCutoffs, classifyConstraint, computeVerdict, expectedForeignKeys, findConstraint, windowStart } from './checks';
export type {
  AgeBucketCount,
  ConstraintState,
  DoctorReport,
  ExpectedForeignKey,
  ForeignKeyCheck,
  FoundForeignKey,
  GrowingStateReport,
  OrphanExample,
  Orphans,
  Problem,
  RefusalCount,
  ReferentialAction,
  UnreferencedElementThread,
  UserStoredBytes,
  Verdict,
} from './types';
