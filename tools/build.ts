/**
 * `npm run build` (run by `prepare`, so by `npm ci`, `npm install` and `npm pack`): the
 * JavaScript raftcheck ships, in dist/ (not committed).
 *
 * esbuild bundles the sources, dependencies left external, into one flat directory: an entry
 * per way in (the CLI, the programmatic API, the adapter types' module, each worker thread's
 * module) and shared chunks, so that a command loads a handful of files instead of hundreds
 * (the CLI's verbs are split out and loaded on demand). Flat, because modules find their
 * neighbours by `new URL('./x.js', import.meta.url)`: worker modules and the viewer's page
 * assets (copied to dist/page/). The trace schema's validator is compiled ahead of time
 * (dist/trace-line-validator.cjs). tsc then writes the type declarations under dist/types/.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { build } from 'esbuild';
import { PRECOMPILED_VALIDATOR, readTraceSchema, traceAjv } from '../harness/trace/validator.js';
import { BUILD_DIRS, BUILT_FROM, inputsHash } from './build-inputs.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(ROOT, 'dist');
const TYPES = path.join(DIST, 'types');
/** The hash of what the declarations were written from, beside them. */
const TYPES_STAMP = path.join(TYPES, '.inputs-sha256');

/** Output name (dist/NAME.js) -> source. The names are what package.json's bin and exports point at. */
const ENTRIES: Record<string, string> = {
  raftcheck: 'harness/cli/main.ts',
  index: 'harness/api/index.ts',
  adapter: 'harness/api/adapter.ts',
  'range-worker': 'harness/fuzz/range-worker.ts',
  'validate-worker': 'harness/validate/validate-worker.ts',
  'explore-worker': 'harness/explore/parallel/explore-worker.ts',
  'ts-worker': 'harness/pool/ts-worker.js',
  'io-worker': 'harness/adapters/process/io-worker.js',
  reaper: 'harness/adapters/process/reaper.js',
  'host-thread': 'harness/adapters/async/host-thread.js',
  'node-host': 'harness/adapters/async/node-host.ts',
  'liferaft-adapter': 'harness/adapters/liferaft/liferaft-adapter.ts',
};

/**
 * tsc writes the declarations (about 10 s of CPU: it must infer every exported type), unless
 * those in dist/types were written from the same inputs: `npm pack` after `npm ci` reuses them.
 */
function writeDeclarations(): void {
  const inputs = inputsHash(ROOT, ['src', 'harness']);
  if (fs.existsSync(TYPES_STAMP) && fs.readFileSync(TYPES_STAMP, 'utf8') === inputs) return;
  fs.rmSync(TYPES, { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const types = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  if (types.status !== 0) throw new Error('tsc could not write the type declarations');
  fs.writeFileSync(TYPES_STAMP, inputs);
}

async function main(): Promise<void> {
  // Everything but the declarations, which writeDeclarations renews if their inputs changed.
  for (const entry of fs.existsSync(DIST) ? fs.readdirSync(DIST) : []) if (entry !== 'types') fs.rmSync(path.join(DIST, entry), { recursive: true, force: true });
  await build({
    absWorkingDir: ROOT,
    entryPoints: Object.entries(ENTRIES).map(([out, src]) => ({ in: src, out })),
    outdir: DIST,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    chunkNames: 'chunk-[hash]',
    logLevel: 'warning',
  });
  const cli = path.join(DIST, 'raftcheck.js');
  fs.writeFileSync(cli, `#!/usr/bin/env node\n${fs.readFileSync(cli, 'utf8')}`);
  fs.chmodSync(cli, 0o755);
  fs.cpSync(path.join(ROOT, 'harness/viewer/page'), path.join(DIST, 'page'), { recursive: true });
  // The trace schema's validator, compiled now rather than at every start (harness/trace/validator.ts).
  const ajv = traceAjv({ code: { source: true } });
  fs.writeFileSync(path.join(DIST, PRECOMPILED_VALIDATOR), standaloneCode.default(ajv, ajv.compile(readTraceSchema())));
  writeDeclarations();
  // Last: a build stopped half-way leaves no stamp, so nothing takes its dist/ for current.
  fs.writeFileSync(path.join(ROOT, BUILT_FROM), inputsHash(ROOT, BUILD_DIRS));
}

await main();
