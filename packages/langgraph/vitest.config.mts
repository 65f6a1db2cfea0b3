import { defineConfig } from 'vitest/config';

// The package's only vitest run: LangGraph's conformance suite
// (@langchain/langgraph-checkpoint-validation), which uses test globals without
// importing them and calls expect.soft (vitest-only). Every other test of the
// package runs under Jest (jest.config.js, the team's shared config); `test`
// runs both.
export default defineConfig({
  resolve: { conditions: ['@agentstate/source'] },
  ssr: { resolve: { conditions: ['@agentstate/source'] } },
  test: {
    globals: true,
    include: ['src/conformance.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // PGlite instances are memory- and CPU-heavy (2-core machines).
    maxWorkers: 2,
  },
});
