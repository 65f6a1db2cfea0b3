import { defineConfig } from 'vitest/config';

// LangGraph's conformance suite uses test globals without importing them.
export default defineConfig({
  resolve: { conditions: ['@agentstate/source'] },
  ssr: { resolve: { conditions: ['@agentstate/source'] } },
  test: {
    globals: true,
    include: ['src/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // PGlite instances are memory- and CPU-heavy (2-core machines).
    maxWorkers: 2,
  },
});
