/**
 * Errors of the extension itself. Refusals and missing references are the
 * write path's typed errors (ProvisioningRefusedError, UnknownUserError,
 * InvalidInputError, … from @agentstate/write-path), thrown unchanged.
 */
export type PrismaProvisioningErrorCode = 'TRANSACTION_NOT_JOINABLE' | 'WRITE_SKIPPED_BY_POLICY';

export class PrismaProvisioningError extends Error {
  constructor(
    readonly code: PrismaProvisioningErrorCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * The write runs in the caller's interactive transaction, but this Prisma
 * version gives no way to send the ensure statement in it. Nothing was
 * written; this is a compatibility failure, not a user error.
 */
export class TransactionNotJoinableError extends PrismaProvisioningError {
  constructor() {
    super(
      'TRANSACTION_NOT_JOINABLE',
      "referenceProvisioning cannot send its ensure statement inside the caller's interactive transaction with this Prisma Client (PrismaPromise.requestTransaction is missing). Nothing was written.",
    );
  }
}

/**
 * A caller's policy answered "skip" (do not persist) for a write the caller
 * asked Prisma to make. The service can return "skipped"; a Prisma create
 * must return a row, so the extension refuses instead. Nothing was written.
 */
export class WriteSkippedByPolicyError extends PrismaProvisioningError {
  constructor(model: string, reason: string) {
    super('WRITE_SKIPPED_BY_POLICY', `${model} was not written: the provisioning policy said to skip it (${reason}). A Prisma write cannot be skipped; do not call it for such ids. Nothing was written.`);
  }
}
