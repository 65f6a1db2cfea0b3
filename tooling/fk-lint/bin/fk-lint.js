#!/usr/bin/env node
'use strict';
// Runs the TypeScript source directly through tsx: no build step, so the check can never
// run a stale dist/.
let tsx;
try {
  // Loaded before tsx's hook on purpose: through the hook, tsx scans these large CommonJS
  // files for ESM syntax, which doubles start-up time for no gain.
  require('typescript');
  require('@prisma/prisma-schema-wasm');
  tsx = require('tsx/cjs/api');
} catch (error) {
  process.stderr.write(`fk-lint: cannot load dependencies (${error.message.split('\n')[0]}); run pnpm install\n`);
  process.exit(2);
}
tsx.register();
const { main } = require('../src/cli.ts');
process.exitCode = main(process.argv.slice(2));
