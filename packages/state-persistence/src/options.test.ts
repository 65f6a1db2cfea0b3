import { InvalidInputError } from './errors';
import { createStatePersistence } from './service';

// A stand-in with the methods the check looks for; no query is ever sent.
const prisma = { $queryRaw: () => undefined, $executeRaw: () => undefined, $transaction: () => undefined } as never;

describe('createStatePersistence options', () => {
  it.each([
    ['maxStateBytes NaN', { maxStateBytes: NaN }, /maxStateBytes/],
    ["maxStateBytes 'big'", { maxStateBytes: 'big' }, /maxStateBytes/],
    ['maxMetadataBytes 0', { maxMetadataBytes: 0 }, /maxMetadataBytes/],
    ["misspelt 'enviroment'", { enviroment: 'production' }, /unknown option.*"enviroment"/],
    ['policy without decide()', { policy: {} }, /policy/],
    ['logger as a string', { logger: 'console' }, /logger/],
    ['knownReferenceCacheSize -1', { knownReferenceCacheSize: -1 }, /knownReferenceCacheSize/],
    ['a reference rule of an unknown kind', { referenceRules: { User: { kind: 'maybe' } } }, /referenceRules/],
    ['environment "Production"', { environment: 'Production' }, /environment/],
  ])('refuses %s at start-up', (_name, extra, message) => {
    const attempt = () => createStatePersistence({ prisma, environment: 'development', ...(extra as object) } as never);
    expect(attempt).toThrow(InvalidInputError);
    expect(attempt).toThrow(message);
  });

  it('refuses a connection string where a client is expected', () => {
    expect(() => createStatePersistence({ prisma: 'postgresql://x' as never })).toThrow(/prisma.*PrismaClient/);
  });

  it('accepts complete, well-typed options', () => {
    const service = createStatePersistence({ prisma, environment: 'production', maxStateBytes: 2048, knownReferenceCacheSize: 0 });
    expect(service.environment).toBe('production');
  });
});
