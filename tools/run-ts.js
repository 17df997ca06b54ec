// Runs a TypeScript entry point (tools, test fixtures) through swc with the workspace's path
// aliases, as the main module (so `require.main === module` holds in the entry).
'use strict';
const path = require('node:path');
const Module = require('node:module');

process.env.SWC_NODE_PROJECT ??= path.join(__dirname, '..', 'tsconfig.json');
require('@swc-node/register');

const [entry, ...rest] = process.argv.slice(2);
if (!entry) {
  process.stderr.write('usage: node tools/run-ts.js <file.ts> [args...]\n');
  process.exit(2);
}
process.argv = [process.argv[0], path.resolve(entry), ...rest];
Module.runMain();
