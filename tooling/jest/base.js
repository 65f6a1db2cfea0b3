// Shared Jest config: every package's jest.config.js spreads this and adds
// nothing but what is truly its own.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // tsconfig has isolatedModules, so ts-jest only strips types (fast on
    // 2-core machines); type errors are `turbo run typecheck`'s job.
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  // Workspace packages export their TypeScript source under this condition and
  // their build (dist/) by default: tests run the source, a deployed app the build.
  testEnvironmentOptions: { customExportConditions: ['@agentstate/source', 'node', 'node-addons'] },
  // TypeScript sources (ours and Prisma's generated client) import siblings as
  // './x.js'; map them back to the .ts file for Jest's resolver.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  // Database tests create real databases; give them room on a loaded machine.
  testTimeout: 60_000,
  // One worker per core at most: PGlite instances are memory- and CPU-heavy.
  maxWorkers: 2,
};
