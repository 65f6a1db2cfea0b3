export { referenceProvisioning } from './extension';
export type { ReferenceProvisioningOptions } from './extension';
export { PrismaProvisioningError, TransactionNotJoinableError, WriteSkippedByPolicyError } from './errors';
export type { PrismaProvisioningErrorCode } from './errors';
