import type { Environment } from './environment';

export type DecisionKind = 'create-if-missing' | 'skip' | 'require-existing' | 'reject';

/** Every decision kind, in a stable order (e.g. for audit column checks). */
export const DECISION_KINDS: readonly DecisionKind[] = Object.freeze([
  'create-if-missing',
  'skip',
  'require-existing',
  'reject',
] as const);

/** Stable machine-readable reason codes; safe to store and alert on. */
export const REASON_CODES = Object.freeze([
  'AUTO_CREATE_ALLOWED',
  'EPHEMERAL_RUN',
  'NO_AUTO_CREATE_RULE',
  'AUTO_CREATE_ENVIRONMENT_NOT_ALLOWED',
  'DEV_ID_IN_PRODUCTION',
  'INVALID_ID_EMPTY',
  'INVALID_ID_TOO_LONG',
  'INVALID_ID_WHITESPACE',
  'INVALID_ID_CONTROL_CHARACTER',
  'INVALID_ID_CHARACTER',
  'INVALID_ID_TYPE',
  'UNKNOWN_ENTITY',
] as const);

export type ReasonCode = (typeof REASON_CODES)[number];

export interface ProvisioningRequest {
  /** The referenced Prisma model name, e.g. 'User'. */
  entity: string;
  /** The referenced id. Validated by the policy: untyped JS callers may pass anything. */
  id: unknown;
  /** The agent run id; only used to detect ephemeral runs. Non-strings are ignored. */
  runId?: unknown;
}

export interface PolicyContext {
  /** Passed in, never read inside decide(): resolve it once with resolveEnvironment(). */
  environment: Environment;
}

/** The auto-create prefix rule an id matched. */
export interface AutoCreateMatch {
  readonly prefix: string;
  readonly label: string;
}

interface DecisionBase {
  readonly entity: string;
  /**
   * The validated id. For INVALID_ID_* and UNKNOWN_ENTITY rejections it is a
   * safe display form instead (quoted, at most 64 characters, escaped), never
   * the raw value.
   */
  readonly id: string;
  readonly code: ReasonCode;
  /** One human sentence (or two): why, and where relevant, the fix. */
  readonly reason: string;
  /** The environment the decision was made for ('unknown' if the context was invalid). */
  readonly environment: Environment;
  /** Present when the id matched an auto-create prefix. */
  readonly match?: AutoCreateMatch;
}

export type ProvisioningDecision =
  | (DecisionBase & {
      readonly kind: 'create-if-missing';
      readonly match: AutoCreateMatch;
      /** Column values for the row to create (besides its id). */
      readonly defaults: Readonly<Record<string, unknown>>;
    })
  | (DecisionBase & { readonly kind: 'skip' | 'require-existing' | 'reject' });
