/**
 * One thread of `explore --workers N` (a tinypool task; explore-parallel.ts runs one per
 * thread). Breadth-first, level by level, every thread in step:
 *
 * 1. Seed: every thread runs the same breadth-first search alone until a level holds enough
 *    states to share (`seedStates`): the same states, paths and counts on every thread, so no
 *    state has to travel between threads.
 * 2. Each thread takes every N-th state of that level and expands its share; a successor is
 *    new when this thread is the one that adds its fingerprint to the shared visited set, and
 *    then it is this thread's to expand at the next level (with its path, kept locally).
 * 3. At the end of each level the threads meet (a barrier on shared memory): a violation found
 *    at this level by any thread ends the search with a shortest counterexample; no state left
 *    ends it exhausted; a budget stops it bounded.
 *
 * The set of states at each level is the one breadth-first search finds on one thread, so the
 * distinct states, states generated and depth are the same. Of the violations at the first
 * level that has one, each thread keeps the least by (rule, parent state, action): the chosen
 * one does not depend on which thread found what.
 */
import { describeAction, enabledActions, type Action } from '../actions.js';
import { buildModel } from '../build-model.js';
import type { Verdict } from '../check.js';
import { canonicalKey } from '../encode.js';
import { FingerprintSet } from '../fingerprint.js';
import { withinBounds, type ExploreBounds, type ExploreState } from '../model.js';
import { Search, type SearchResult } from '../search.js';
import { applyAction } from '../step.js';
import { SharedFingerprintSet, type SharedSetBuffers } from './shared-set.js';

/** control[]: threads at the barrier, the barrier's generation, why to stop (STOP_CODES, 0: go on). */
export const ARRIVED = 0;
export const GENERATION = 1;
export const STOP = 2;
export const STOP_CODES = ['', 'max-states', 'time-budget', 'memory-budget', 'visited-full'] as const;

/** counters[thread * FIELDS + f]: what each thread publishes (for progress and the level's end). */
export const FIELDS = 6;
export const GENERATED = 0;
export const BEYOND = 1;
export const DEPTH = 2;
export const NEXT = 3;
export const FOUND = 4;
export const LEFT = 5;

export interface ExploreTask {
  impl: string;
  bounds: ExploreBounds;
  symmetry: boolean;
  maxDepth?: number;
  maxStates?: number;
  workers: number;
  index: number;
  seedStates: number;
  set: SharedSetBuffers;
  control: SharedArrayBuffer;
  counters: SharedArrayBuffer;
}

export interface Candidate {
  key: string;
  /** Indexes into enabledActions along the path from the initial state. */
  path: number[];
  verdict: Verdict;
}

export interface ExploreTaskResult {
  outcome: SearchResult['outcome'];
  stoppedBy?: SearchResult['stoppedBy'];
  /** Counts of the seed (the same on every thread). */
  seed: { generated: number; beyondBounds: number };
  generated: number;
  beyondBounds: number;
  depth: number;
  /** States of this thread left unexpanded. */
  queue: number;
  candidate?: Candidate;
}

interface Frame {
  state: ExploreState;
  depth: number;
  id: number;
}

export default function exploreTask(task: ExploreTask): ExploreTaskResult {
  const model = buildModel(task.impl, task.bounds);
  if ('error' in model) throw new Error(model.error);
  const search = new Search(model, { symmetry: task.symmetry });
  const shared = new SharedFingerprintSet(task.set);
  const control = new Int32Array(task.control);
  const counters = new Float64Array(task.counters);
  const at = (thread: number, field: number) => thread * FIELDS + field;
  const stats = search.stats;

  // The path tree of the states this thread found (the seed's on every thread).
  const parent: number[] = [-1];
  const via: number[] = [-1];
  const root = search.initial();
  const pathTo = (id: number): number[] => {
    const indexes: number[] = [];
    for (let k = id; parent[k]! >= 0; k = parent[k]!) indexes.push(via[k]!);
    return indexes.reverse();
  };
  const actionsOf = (indexes: readonly number[]): Action[] => {
    const actions: Action[] = [];
    let s = root;
    for (const i of indexes) {
      const a = enabledActions(model, s)[i]!;
      actions.push(a);
      s = { ...applyAction(model, s, a).next, history: s.history };
    }
    return actions;
  };

  let best: Candidate | undefined;
  const expand = (frame: Frame, isNew: (hi: number, lo: number) => boolean, next: Frame[]) => {
    const actions = enabledActions(model, frame.state);
    for (let i = 0; i < actions.length; i++) {
      const { next: s, verdict } = search.successor(frame.state, actions[i]!, () => actionsOf(pathTo(frame.id)));
      if (verdict) {
        const key = `${verdict.rule}\u0000${canonicalKey(frame.state, model.ids, search.perms)}\u0000${describeAction(model, actions[i]!)}`;
        if (!best || key < best.key) best = { key, path: [...pathTo(frame.id), i], verdict };
        continue;
      }
      const fp = search.fingerprintOf(s);
      if (!isNew(fp.hi, fp.lo)) continue;
      parent.push(frame.id);
      via.push(i);
      stats.depth = Math.max(stats.depth, frame.depth + 1);
      if (!withinBounds(model, s)) {
        stats.beyondBounds++;
        continue;
      }
      next.push({ state: s, depth: frame.depth + 1, id: parent.length - 1 });
    }
  };
  const result = (outcome: SearchResult['outcome'], queue: number, stoppedBy?: SearchResult['stoppedBy']): ExploreTaskResult => ({
    outcome, ...(stoppedBy ? { stoppedBy } : {}), seed, generated: stats.generated, beyondBounds: stats.beyondBounds, depth: stats.depth, queue,
    ...(best ? { candidate: best } : {}),
  });
  const barrier = () => {
    const generation = Atomics.load(control, GENERATION);
    if (Atomics.add(control, ARRIVED, 1) === task.workers - 1) {
      Atomics.store(control, ARRIVED, 0);
      Atomics.add(control, GENERATION, 1);
      Atomics.notify(control, GENERATION);
    } else {
      while (Atomics.load(control, GENERATION) === generation) Atomics.wait(control, GENERATION, generation);
    }
  };
  const sum = (field: number) => {
    let total = 0;
    for (let t = 0; t < task.workers; t++) total += counters[at(t, field)]!;
    return total;
  };

  // 1. The seed, on every thread alike.
  const local = new FingerprintSet();
  const rootFp = search.fingerprintOf(root);
  local.add(rootFp.hi, rootFp.lo);
  shared.add(rootFp.hi, rootFp.lo);
  let frontier: Frame[] = [{ state: root, depth: 0, id: 0 }];
  let depth = 0;
  let seed = { generated: 0, beyondBounds: 0 };
  while (frontier.length > 0 && frontier.length < task.seedStates && !(task.maxDepth !== undefined && depth >= task.maxDepth)) {
    const next: Frame[] = [];
    for (const f of frontier) expand(f, (hi, lo) => local.add(hi, lo) && (shared.add(hi, lo), true), next);
    if (best) return result('violation', 0);
    frontier = next;
    depth++;
  }
  seed = { generated: stats.generated, beyondBounds: stats.beyondBounds };
  if (frontier.length === 0) return result('exhausted', 0);
  if (task.maxDepth !== undefined && depth >= task.maxDepth) return result('bounded', task.index === 0 ? frontier.length : 0, 'max-depth');
  // Every seed state is in the shared set before any thread looks for new ones.
  barrier();

  // 2-3. Level by level, every N-th state of the seed's last level to start with.
  let mine = frontier.filter((_, k) => k % task.workers === task.index);
  frontier = [];
  for (;;) {
    if (task.maxDepth !== undefined && depth >= task.maxDepth) {
      counters[at(task.index, LEFT)] = mine.length;
      barrier();
      const left = sum(LEFT);
      return left > 0 ? result('bounded', mine.length, 'max-depth') : result('exhausted', 0);
    }
    const next: Frame[] = [];
    let k = 0;
    for (; k < mine.length; k++) {
      if (Atomics.load(control, STOP) !== 0) break;
      if (task.maxStates !== undefined && shared.size >= task.maxStates) {
        Atomics.compareExchange(control, STOP, 0, STOP_CODES.indexOf('max-states'));
        break;
      }
      if (shared.full) {
        Atomics.compareExchange(control, STOP, 0, STOP_CODES.indexOf('visited-full'));
        break;
      }
      expand(mine[k]!, (hi, lo) => shared.add(hi, lo), next);
      if ((k & 63) === 0) counters[at(task.index, GENERATED)] = stats.generated;
    }
    counters[at(task.index, GENERATED)] = stats.generated;
    counters[at(task.index, BEYOND)] = stats.beyondBounds;
    counters[at(task.index, DEPTH)] = stats.depth;
    counters[at(task.index, NEXT)] = next.length;
    counters[at(task.index, FOUND)] = best ? 1 : 0;
    barrier();
    const found = sum(FOUND) > 0;
    const stop = Atomics.load(control, STOP);
    const more = sum(NEXT);
    // Everyone has read the level's counters before anyone writes the next level's.
    barrier();
    const queue = mine.length - k + next.length;
    if (found) return result('violation', queue);
    if (stop !== 0) return result('bounded', queue, STOP_CODES[stop] as SearchResult['stoppedBy']);
    if (more === 0) return result('exhausted', 0);
    mine = next;
    depth++;
  }
}
