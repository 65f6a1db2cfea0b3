/**
 * Thrown when a policy is constructed (or a config is used) with options that
 * are invalid or would widen auto-creation beyond development/test. Decisions
 * are never errors: they are values. Only a broken configuration throws.
 */
export class PolicyConfigurationError extends Error {
  readonly code = 'POLICY_CONFIGURATION_INVALID' as const;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PolicyConfigurationError';
  }
}
