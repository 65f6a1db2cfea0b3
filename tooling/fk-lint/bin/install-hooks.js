#!/usr/bin/env node
'use strict';
// Called by the root `prepare` script. It must never fail an install: without tsx (e.g. a
// production-only install) there is nothing to do, and installHooks itself only skips.
let tsx;
try {
  tsx = require('tsx/cjs/api');
} catch {
  process.stderr.write('fk-lint hooks: tsx not installed; git hooks not installed\n');
  process.exit(0);
}
try {
  tsx.register();
  process.exitCode = require('../src/installHooks.ts').main();
} catch (error) {
  process.stderr.write(`fk-lint hooks: not installed: ${error && error.message ? error.message : error}\n`);
  process.exitCode = 0;
}
