/**
 * Worker threads for CPU-bound work (fuzzing, validating files), on tinypool. A task module
 * is a TypeScript file whose default export takes one plain-data input and returns (or
 * resolves to) plain data: workers get no closures, only what structured cloning carries.
 */
import os from 'node:os';
import Tinypool from 'tinypool';

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

/** A pool of `threads` workers running the default export of `module` (a file URL). */
export function createWorkerPool<I, O>(module: URL, threads: number): WorkerPool<I, O> {
  const pool = new Tinypool({ filename: ENTRY, minThreads: threads, maxThreads: threads, idleTimeout: 60_000 });
  return {
    threads,
    async run(input, signal) {
      return (await pool.run({ module: module.href, input }, signal ? { signal } : {})) as O;
    },
    destroy: () => pool.destroy(),
  };
}
