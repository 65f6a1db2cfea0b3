// LangGraph's conformance suite (src/conformance.test.ts) runs under vitest
// (vitest.config.mts), not here: it calls expect.soft, which Jest lacks.
module.exports = {
  ...require('@agentstate/jest-config'),
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/src/conformance\\.test\\.ts$'],
};
