/**
 * Worker threads for CPU-bound work (fuzzing, validating files), on tinypool. A task module
 * is a module (TypeScript in the sources, JavaScript once built) whose default export takes one plain-data input and returns (or
 * resolves to) plain data: workers get no closures, only what structured cloning carries.
 */
import os from 'node:os';
import { RUNNING_FROM_SOURCES } from '../running-from-sources.js';

export interface WorkerPool<I, O> {
  readonly threads: number;
  /** Runs one task; aborting the signal stops it (its thread is replaced). */
  run(input: I, signal?: AbortSignal): Promise<O>;
  destroy(): Promise<void>;
}

/** The default number of workers: the cores this process may use. */
export function defaultWorkers(): number {
  return Math.max(1, os.availableParallelism());
}

const ENTRY = new URL('./ts-worker.js', import.meta.url).href;

/** dist/, seen from this file in the sources (harness/pool/). */
const DIST = new URL('../../dist/', import.meta.url);

/**
 * The task module `name` beside `importer` (the caller's import.meta.url): `name.ts` when
 * raftcheck runs from its sources, `name.js` when it runs from the built dist/ (where every
 * worker module is an entry beside the chunks; see tools/build.ts).
 *
 * From the sources with RAFTCHECK_WORKERS_FROM_DIST=1, dist/NAME.js instead: a worker thread
 * then starts in about a second rather than five (tsx compiling the module graph in every
 * thread). The test suite sets it only when dist/ was built from the very sources it runs
 * (test/setup/built-workers.ts).
 */
export function taskModule(name: string, importer: string): URL {
  if (!RUNNING_FROM_SOURCES) return new URL(`./${name}.js`, importer);
  if (process.env.RAFTCHECK_WORKERS_FROM_DIST === '1') return new URL(`./${name}.js`, DIST);
  return new URL(`./${name}.ts`, importer);
}

/** A pool of `threads` workers running the default export of `module` (a file URL). */
export function createWorkerPool<I, O>(module: URL, threads: number): WorkerPool<I, O> {
  // tinypool is loaded with the first pool: what runs on one thread never pays for it.
  const pool = import('tinypool').then(({ default: Tinypool }) => new Tinypool({ filename: ENTRY, minThreads: threads, maxThreads: threads, idleTimeout: 60_000 }));
  return {
    threads,
    async run(input, signal) {
      return (await (await pool).run({ module: module.href, input }, signal ? { signal } : {})) as O;
    },
    destroy: async () => (await pool).destroy(),
  };
}
