/**
 * Errors of the extension itself. Refusals and missing references are the
 * service's typed errors (ProvisioningRefusedError, UnknownUserError,
 * InvalidInputError, … from @agentstate/state-persistence), thrown unchanged.
 */
export type PrismaProvisioningErrorCode = 'TRANSACTION_NOT_JOINABLE';

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
