/**
 * What dist/ is built from, as one hash: the build (tools/build.ts) writes it beside its output,
 * and the test suite (test/setup/built-workers.ts) compares it with the sources it runs, to know
 * whether dist/ may stand in for them in worker threads.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** The files every build depends on besides the source directories. */
const CONFIG_FILES = ['tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];

/** The SHA-256 of the configuration files and every file under `dirs` (relative to `root`), in a fixed order. */
export function inputsHash(root: string, dirs: readonly string[]): string {
  const hash = createHash('sha256');
  const sources = dirs.flatMap((dir) => fs.readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' }).map((f) => path.join(dir, f)));
  for (const file of [...CONFIG_FILES, ...sources.sort()]) {
    if (!fs.statSync(path.join(root, file)).isFile()) continue;
    hash.update(`${file}\0`).update(fs.readFileSync(path.join(root, file))).update('\0');
  }
  return hash.digest('hex');
}

/** What the JavaScript in dist/ is built from: the sources and the trace schema compiled into its validator. */
export const BUILD_DIRS = ['src', 'harness', 'spec'] as const;

/** The hash of BUILD_DIRS that dist/ was built from, written by the build (relative to the project root). */
export const BUILT_FROM = 'dist/.built-from-sha256';
