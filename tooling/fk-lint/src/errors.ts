/** A problem with how fk-lint was invoked or configured (exit code 2), not a finding. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
