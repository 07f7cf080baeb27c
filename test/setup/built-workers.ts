/**
 * Global setup: when dist/ was built from exactly the sources under test (its stamp, written by
 * tools/build.ts, equals their hash), worker threads load dist/'s modules instead of compiling
 * the TypeScript sources with tsx in every thread (harness/pool/worker-pool.ts, taskModule):
 * about 1 s to start a worker instead of 5 on a loaded 2-core machine, for the same code. `npm
 * ci` builds dist/, so a clean clone's `npm test` gets it; after an edit without `npm run build`
 * the stamp differs and the workers run the sources, as before, only slower.
 */
import fs from 'node:fs';
import path from 'node:path';
import { BUILD_DIRS, BUILT_FROM, inputsHash } from '../../tools/build-inputs.js';

export function distIsCurrent(root: string): boolean {
  const stamp = path.join(root, BUILT_FROM);
  return fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === inputsHash(root, BUILD_DIRS);
}

export default function setup(): void {
  if (process.env.RAFTCHECK_WORKERS_FROM_DIST !== undefined) return; // the caller decided
  if (distIsCurrent(process.cwd())) process.env.RAFTCHECK_WORKERS_FROM_DIST = '1';
  else process.stderr.write('note: dist/ is not built from these sources, so worker threads compile them (slower); `npm run build` speeds the suite up\n');
}
