#!/usr/bin/env node
// Runs the CLI from its TypeScript sources through tsx, with no build: for working on
// raftcheck itself (`node harness/cli/raftcheck.js ...`). The package's `raftcheck` command
// is the built dist/raftcheck.js (`npm run build`, run by `npm ci` and `npm pack`).
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
