/**
 * `explore --workers N` (harness/explore/parallel/): the search on worker threads finds the
 * same distinct states, generates the same states, reaches the same depth and gives the same
 * verdict as on one thread, with a counterexample of the same (shortest) length; its budgets
 * stop it cleanly with what it covered. Each parallel run starts two threads: few runs, small bounds.
 */
import { describe, expect, it } from 'vitest';
import { buildModel } from '../harness/explore/build-model.js';
import { DEFAULT_BOUNDS, type ExploreBounds, type ExploreModel } from '../harness/explore/model.js';
import { exploreParallel } from '../harness/explore/parallel/explore-parallel.js';
import { SharedFingerprintSet } from '../harness/explore/parallel/shared-set.js';
import { explore, type SearchOptions } from '../harness/explore/search.js';
import { cli } from './helpers/cli.js';

function model(impl: string, bounds: Partial<ExploreBounds>): ExploreModel {
  const m = buildModel(impl, { ...DEFAULT_BOUNDS, ...bounds });
  if ('error' in m) throw new Error(m.error);
  return m;
}
/** The budgets' timer: a real one, short (a promise that resolves at once would never let the workers' answers in). */
const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 5));
/** A small shared set, and a small seed so that the threads share the work from level 3 or so. */
const small = { capacity: 100_000, seedStates: 8 };
const counts = (r: { outcome: string; stoppedBy?: string; stats: { distinct: number; generated: number; depth: number; beyondBounds: number } }) =>
  ({ outcome: r.outcome, stoppedBy: r.stoppedBy, distinct: r.stats.distinct, generated: r.stats.generated, depth: r.stats.depth, beyondBounds: r.stats.beyondBounds });

describe('explore --workers', () => {
  it('the shared visited set adds each fingerprint once, says when it is full, and never probes a table without an empty slot', () => {
    const set = SharedFingerprintSet.create(10); // 1024 slots
    expect(set.add(7, 9)).toBe(true);
    expect(set.add(7, 9)).toBe(false);
    expect(set.add(0, 0)).toBe(true);
    expect(set.add(9, 7)).toBe(true);
    for (let k = 0; set.size < 1023; k++) set.add(k, 1_000_003);
    expect(set.full).toBe(true);
    expect(() => set.add(123_456, 654_321)).toThrow('the shared visited set is full');
  });

  it('finds the same states as one thread: exhausted, and bounded by --max-depth with symmetry', async () => {
    const m = model('reference', { servers: 2, maxTerm: 1, maxLog: 1, maxMsgs: 2 });
    const one = explore(m, {});
    const two = await exploreParallel(m, { workers: 2, sleep: tick, ...small });
    expect(one.outcome).toBe('exhausted');
    expect(one.stats.distinct).toBe(1697);
    expect(counts(two)).toEqual(counts(one));
    expect(two.stats.queue).toBe(0);

    const options: SearchOptions = { symmetry: true, maxDepth: 8 };
    const oneBounded = explore(m, options);
    const twoBounded = await exploreParallel(m, { ...options, workers: 2, sleep: tick, ...small });
    expect(oneBounded).toMatchObject({ outcome: 'bounded', stoppedBy: 'max-depth' });
    expect(counts(twoBounded)).toEqual(counts(oneBounded));
  });

  it('finds a violation at the same, shortest depth, under the same rule, and its counterexample fails validate', async () => {
    const m = model('mutant:vote-twice', { servers: 3, maxTerm: 1, maxLog: 0, maxMsgs: 2, maxClientOps: 0 });
    const one = explore(m, {});
    const two = await exploreParallel(m, { workers: 2, sleep: tick, ...small });
    expect(one.outcome).toBe('violation');
    expect(two.outcome).toBe('violation');
    expect(two.violation!.actions).toHaveLength(one.violation!.actions.length);
    expect(two.violation!.rule).toBe(one.violation!.rule);
    expect(two.violation!.rule).toBe('vote-once');
    expect(two.violation!.line).toBeGreaterThan(1);
  });

  it('stops cleanly at a budget with what it covered: time (workers), memory and states (one thread)', async () => {
    const m = model('reference', { servers: 3, maxTerm: 2, maxLog: 1, maxMsgs: 2, maxClientOps: 0 });
    let clock = 0;
    const timed = await exploreParallel(m, { workers: 2, timeBudgetMs: 1, now: () => clock, sleep: async () => ((clock += 10), tick()), ...small });
    expect(timed).toMatchObject({ outcome: 'bounded', stoppedBy: 'time-budget' });
    expect(timed.stats.distinct).toBeGreaterThan(0);
    expect(timed.stats.queue).toBeGreaterThan(0);

    const memory = explore(m, { memoryBudgetBytes: 1, memory: () => 2 });
    expect(memory).toMatchObject({ outcome: 'bounded', stoppedBy: 'memory-budget' });
    const states = explore(m, { maxStates: 500 });
    expect(states).toMatchObject({ outcome: 'bounded', stoppedBy: 'max-states' });
    expect(states.stats.distinct).toBeGreaterThanOrEqual(500);
  });

  it('refuses --workers with a depth-first mode or --coverage, and a bad --max-memory', async () => {
    for (const argv of [['--workers', '2', '--mode', 'dfs', '--max-depth', '3'], ['--workers', '2', '--coverage', '/tmp/x.json'], ['--max-memory', 'lots'], ['--workers', '0']]) {
      const r = await cli('explore', '--servers', '1', ...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr, argv.join(' ')).toMatch(/^raftcheck explore: --(workers|max-memory)[^\n]*\nSee 'raftcheck explore --help'.\n$/);
    }
  });
});
