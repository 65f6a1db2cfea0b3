module.exports = { ...require('@agentstate/jest-config'), globalSetup: '<rootDir>/src/figures/globalSetup.ts', globalTeardown: '<rootDir>/src/figures/globalTeardown.ts' };
