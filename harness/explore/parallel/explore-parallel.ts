/**
 * `explore --workers N`: the breadth-first search on N worker threads (explore-worker.ts) that
 * share one visited set. The distinct states, states generated, depth and verdict are those of
 * the search on one thread, and a counterexample is still a shortest one. This thread watches
 * the budgets (time, memory: clocks are the caller's) and reports progress while the workers
 * search.
 */
import { enabledActions, type Action } from '../actions.js';
import type { ExploreModel } from '../model.js';
import { Search, type SearchOptions, type SearchResult, type SearchStats } from '../search.js';
import { applyAction } from '../step.js';
import { createWorkerPool, taskModule } from '../../pool/worker-pool.js';
import { FIELDS, GENERATED, STOP, STOP_CODES, type ExploreTask, type ExploreTaskResult } from './explore-worker.js';
import { SharedFingerprintSet } from './shared-set.js';

export interface ParallelOptions extends Omit<SearchOptions, 'mode' | 'onTransition'> {
  workers: number;
  /** Resolves after `ms` (the CLI's timer): how often budgets and progress are looked at. It must yield to the event loop (a timer), or the workers' answers are never read. */
  sleep: (ms: number) => Promise<void>;
  /** Capacity of the shared visited set when --max-states does not size it (default 6 million states: 2^23 slots, 64 MiB). */
  capacity?: number;
  /** States of one level before the threads share the work (default 64 per worker). */
  seedStates?: number;
}

/** States of one level, per worker, before the threads share the work (the seed runs on every thread). */
const SEED_PER_WORKER = 64;
/** Room beyond --max-states: the seed runs to the end of a level before any budget is looked at. */
const SEED_ROOM = 1 << 16;

export async function exploreParallel(model: ExploreModel, options: ParallelOptions): Promise<SearchResult> {
  const started = options.now?.() ?? 0;
  const elapsed = () => (options.now?.() ?? 0) - started;
  const set = SharedFingerprintSet.create(options.maxStates !== undefined ? options.maxStates + SEED_ROOM : options.capacity ?? 6_000_000);
  const control = new SharedArrayBuffer(3 * 4);
  const counters = new SharedArrayBuffer(options.workers * FIELDS * 8);
  const controlView = new Int32Array(control);
  const countersView = new Float64Array(counters);
  const base: Omit<ExploreTask, 'index'> = {
    impl: model.impl, bounds: model.bounds, symmetry: Boolean(options.symmetry),
    ...(options.maxDepth !== undefined ? { maxDepth: options.maxDepth } : {}), ...(options.maxStates !== undefined ? { maxStates: options.maxStates } : {}),
    workers: options.workers, seedStates: options.seedStates ?? SEED_PER_WORKER * options.workers, set: set.buffers, control, counters,
  };
  const pool = createWorkerPool<ExploreTask, ExploreTaskResult>(taskModule('explore-worker', import.meta.url), options.workers);
  let results: ExploreTaskResult[] | undefined;
  try {
    const all = Promise.all(Array.from({ length: options.workers }, (_, index) => pool.run({ ...base, index })));
    void all.then((r) => (results = r), () => undefined);
    let nextProgress = options.progressEvery ?? 50_000;
    while (!results) {
      await Promise.race([all, options.sleep(100)]);
      if (results) break;
      const stop = (why: (typeof STOP_CODES)[number]) => Atomics.compareExchange(controlView, STOP, 0, STOP_CODES.indexOf(why));
      if (options.timeBudgetMs !== undefined && options.now && elapsed() >= options.timeBudgetMs) stop('time-budget');
      if (options.memoryBudgetBytes !== undefined && options.memory && options.memory() > options.memoryBudgetBytes) stop('memory-budget');
      if (options.onProgress && set.size >= nextProgress) {
        nextProgress = set.size + (options.progressEvery ?? 50_000);
        let generated = 0;
        for (let t = 0; t < options.workers; t++) generated += countersView[t * FIELDS + GENERATED]!;
        options.onProgress({ distinct: set.size, generated, depth: 0, queue: 0, beyondBounds: 0, elapsedMs: elapsed() });
      }
    }
  } finally {
    await pool.destroy();
  }
  return combine(model, options, results!, set.size, elapsed());
}

function combine(model: ExploreModel, options: ParallelOptions, results: readonly ExploreTaskResult[], distinct: number, elapsedMs: number): SearchResult {
  const seed = results[0]!.seed;
  const stats: SearchStats = {
    distinct,
    // The seed's counts are on every thread: once.
    generated: seed.generated + results.reduce((n, r) => n + r.generated - seed.generated, 0),
    beyondBounds: seed.beyondBounds + results.reduce((n, r) => n + r.beyondBounds - seed.beyondBounds, 0),
    depth: Math.max(...results.map((r) => r.depth)),
    queue: results.reduce((n, r) => n + r.queue, 0),
    elapsedMs,
  };
  const candidates = results.flatMap((r) => (r.candidate ? [r.candidate] : []));
  if (candidates.length > 0) {
    const chosen = candidates.reduce((a, b) => (b.key < a.key ? b : a));
    const search = new Search(model, { symmetry: Boolean(options.symmetry) });
    let s = search.initial();
    const actions: Action[] = [];
    for (const i of chosen.path) {
      const a = enabledActions(model, s)[i]!;
      actions.push(a);
      s = { ...applyAction(model, s, a).next, history: s.history };
    }
    return { outcome: 'violation', stats, violation: search.counterexample(actions, chosen.verdict) };
  }
  const bounded = results.find((r) => r.outcome === 'bounded');
  if (bounded) return { outcome: 'bounded', ...(bounded.stoppedBy ? { stoppedBy: bounded.stoppedBy } : {}), stats };
  return { outcome: 'exhausted', stats };
}
