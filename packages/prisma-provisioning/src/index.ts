export { referenceProvisioning } from './extension';
export type { ReferenceProvisioningOptions } from './extension';
export { PrismaProvisioningError, TransactionNotJoinableError } from './errors';
export type { PrismaProvisioningErrorCode } from './errors';
