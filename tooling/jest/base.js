// Shared Jest config: every package's jest.config.js spreads this and adds
// nothing but what is truly its own.
/** @type {import('jest').Config} */
module.exports = {
  // Node's environment, failing a test file that leaves a handle open (src/environment.ts).
  testEnvironment: require.resolve('./src/environment.ts'),
  // A registry of the processes the tests start; the run fails when one outlives it (src/processes.ts).
  // A package with a global setup/teardown of its own calls startProcessRegistry/checkProcessRegistry from it.
  globalSetup: require.resolve('./src/globalSetup.ts'),
  globalTeardown: require.resolve('./src/globalTeardown.ts'),
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
  // A worker with nothing open still needs time to exit: it frees the WebAssembly
  // memory of its last PGlite instances (about 256 MB each) and its heap, which took
  // 0.1-1 s on a loaded 2-core machine, past Jest's 500 ms before it kills the worker
  // and blames leaks. Open handles are checked per test file instead (environment.ts).
  workerGracefulExitTimeout: 10_000,
};
