/**
 * The search: breadth-first (shortest counterexample, TLC's default), depth-first with a depth
 * bound, or iterative deepening (depth-first to 1, 2, … --max-depth: a shortest counterexample
 * in the memory of a depth-first search). Every generated transition is checked (check.ts);
 * the visited set holds 64-bit fingerprints of canonical encodings (encode.ts, fingerprint.ts).
 * The result — counts and counterexample — is the same on every run: only the time budget and
 * the reported rates depend on the clock, which the caller passes in.
 */
import type { Violation } from '../checker/violation.js';
import type { TraceLine } from '../../src/trace/schema.js';
import { describeAction, enabledActions, type Action } from './actions.js';
import { judgeTrace, StepChecker, type Verdict } from './check.js';
import { identity, permutations, stateFingerprint, type Permutation, type Rename } from './encode.js';
import { FingerprintSet, Hash64, type Fp } from './fingerprint.js';
import { withinBounds, type ExploreModel, type ExploreState } from './model.js';
import { applyAction, initialState } from './step.js';
import { pathTrace, traceHeader } from './trace.js';

export type SearchMode = 'bfs' | 'dfs' | 'iddfs';

export interface SearchOptions {
  mode?: SearchMode;
  /** Depth bound of dfs and iddfs (and of bfs when given). */
  maxDepth?: number;
  symmetry?: boolean;
  /** Stop (cleanly, "bounded: not exhausted") once this many distinct states are found. */
  maxStates?: number;
  /** Stop once this many ms have passed (needs `now`). */
  timeBudgetMs?: number;
  /** Stop once `memory()` reports more than this many bytes (the CLI passes the process's resident set size). */
  memoryBudgetBytes?: number;
  memory?: () => number;
  /** The clock, in ms (the CLI passes performance.now; without it no time budget and no rates). */
  now?: () => number;
  /** Called with the counts every `progressEvery` distinct states (default 50 000). */
  onProgress?: (stats: SearchStats) => void;
  progressEvery?: number;
  /** Told of every statechart transition taken by the search's steps (each state and action once: transition coverage). */
  onTransition?: ExploreModel['onTransition'];
}

export interface SearchStats {
  distinct: number;
  generated: number;
  /** Deepest level reached (the initial state is depth 0). */
  depth: number;
  /** States waiting to be expanded. */
  queue: number;
  /** States found beyond a bound (counted, checked, not expanded). */
  beyondBounds: number;
  elapsedMs: number;
}

export interface Counterexample extends Verdict {
  actions: Action[];
  /** One line per action, for people. */
  steps: string[];
  /** The path as a v1 trace (validate judges it failing with `rule`). */
  trace: TraceLine[];
}

export interface SearchResult {
  outcome: 'exhausted' | 'bounded' | 'violation';
  /** Why a bounded search stopped. */
  stoppedBy?: 'max-states' | 'time-budget' | 'memory-budget' | 'max-depth' | 'visited-full';
  stats: SearchStats;
  violation?: Counterexample;
}

interface Frame {
  state: ExploreState;
  depth: number;
  /** Index of the state in the path tree (breadth-first). */
  id: number;
}

/** What every mode shares: the model, the checker, canonical keys and the counters (parallel/ uses it on each thread). */
export class Search {
  readonly checker = new StepChecker();
  readonly perms: Array<{ order: string[]; rename: Rename }> | null;
  /** The permutations states are fingerprinted under: all of them with symmetry, the identity alone without. */
  private readonly fpPerms: readonly Permutation[];
  private readonly hash = new Hash64();
  readonly stats: SearchStats = { distinct: 0, generated: 0, depth: 0, queue: 0, beyondBounds: 0, elapsedMs: 0 };
  private readonly started: number;
  private nextProgress: number;
  private memoryChecks = 0;
  stoppedBy: SearchResult['stoppedBy'];
  /** A state within the bounds was left unexpanded at the depth bound. */
  depthCut = false;

  /** The model the search steps with (it reports transitions); paths are rebuilt with `model`, which does not. */
  private readonly stepModel: ExploreModel;

  constructor(readonly model: ExploreModel, readonly options: SearchOptions) {
    this.stepModel = options.onTransition ? { ...model, onTransition: options.onTransition } : model;
    this.perms = options.symmetry ? permutations(model.ids) : null;
    this.fpPerms = this.perms ?? [identity(model.ids)];
    this.started = options.now?.() ?? 0;
    this.nextProgress = options.progressEvery ?? 50_000;
  }

  initial(): ExploreState {
    const { state } = initialState(this.model);
    return { ...state, history: this.checker.root(traceHeader(this.model)) };
  }

  fingerprintOf(s: ExploreState): Fp {
    return stateFingerprint(s, this.model.ids, this.fpPerms, this.hash);
  }

  /** The successor by `action`, and its verdict: a broken invariant, or a deviated path's verdict from the whole checker. */
  successor(s: ExploreState, action: Action, path: () => Action[]): { next: ExploreState; verdict: Verdict | null } {
    const step = applyAction(this.stepModel, s, action);
    const { history, violations } = this.checker.advance(s.history, step.lines);
    // The history's fingerprints are the parent's when the step left it as it was.
    const same = history === s.history;
    const n = step.next;
    // Written out, not spread: one object of one shape per successor.
    const next: ExploreState = {
      nodes: n.nodes, bag: n.bag, crashes: n.crashes, clientOps: n.clientOps, diverged: n.diverged,
      history, historyFp: same ? s.historyFp : undefined, historyFps: same ? s.historyFps : undefined,
    };
    this.stats.generated++;
    let verdict: Verdict | null = violations.length ? firstOf(violations) : null;
    if (!verdict && next.diverged) verdict = judgeTrace(pathTrace(this.model, [...path(), action]));
    return { next, verdict };
  }

  tick(queue: number): void {
    this.stats.queue = queue;
    if (this.stats.distinct >= this.nextProgress) {
      this.nextProgress += this.options.progressEvery ?? 50_000;
      this.elapsed();
      this.options.onProgress?.({ ...this.stats });
    }
  }

  elapsed(): number {
    this.stats.elapsedMs = (this.options.now?.() ?? 0) - this.started;
    return this.stats.elapsedMs;
  }

  /** Whether a budget is spent (checked between expansions). */
  outOfBudget(): boolean {
    if (this.options.maxStates !== undefined && this.stats.distinct >= this.options.maxStates) {
      this.stoppedBy = 'max-states';
      return true;
    }
    if (this.options.timeBudgetMs !== undefined && this.options.now && this.elapsed() >= this.options.timeBudgetMs) {
      this.stoppedBy = 'time-budget';
      return true;
    }
    // Reading the process's memory costs a system call: every 256 expansions is often enough.
    if (this.options.memoryBudgetBytes !== undefined && this.options.memory && (this.memoryChecks++ & 255) === 0 && this.options.memory() > this.options.memoryBudgetBytes) {
      this.stoppedBy = 'memory-budget';
      return true;
    }
    return false;
  }

  /** The counterexample of `actions`, judged by validate's whole pipeline (the rule it reports first). */
  counterexample(actions: Action[], found: Verdict): Counterexample {
    const trace = pathTrace(this.model, actions);
    const judged = judgeTrace(trace);
    // The step checker runs the same rule code as validate: a disagreement is a bug of explore.
    if (!judged) throw new Error(`internal: explore found ${found.rule} (${found.message}) but validate passes the path`);
    return { ...judged, actions, steps: actions.map((a) => describeAction(this.model, a)), trace };
  }

  result(outcome: SearchResult['outcome'], violation?: Counterexample, stoppedBy?: SearchResult['stoppedBy']): SearchResult {
    this.elapsed();
    if (stoppedBy) this.stoppedBy = stoppedBy;
    return { outcome, ...(outcome === 'bounded' && this.stoppedBy ? { stoppedBy: this.stoppedBy } : {}), stats: { ...this.stats }, ...(violation ? { violation } : {}) };
  }
}

export function firstOf(violations: readonly Violation[]): Verdict {
  const v = violations[0]!;
  return { rule: v.rule, message: v.message };
}

/** What an expanded state's slot of the breadth-first queue holds. */
const EXPANDED: Frame = { state: null as unknown as ExploreState, depth: -1, id: -1 };

function breadthFirst(search: Search): SearchResult {
  const { model, options } = search;
  const visited = new FingerprintSet();
  // The path tree: each distinct state's parent and the index of the action that reached it.
  const parent: number[] = [];
  const via: number[] = [];
  const actionsTo = (id: number, states: ExploreState[]): Action[] => {
    // Rebuilt by re-enumerating the actions along the path (enumeration is deterministic).
    const indexes: number[] = [];
    for (let k = id; parent[k]! >= 0; k = parent[k]!) indexes.push(via[k]!);
    indexes.reverse();
    const actions: Action[] = [];
    let s = states[0]!;
    for (const i of indexes) {
      const a = enabledActions(model, s)[i]!;
      actions.push(a);
      s = { ...applyAction(model, s, a).next, history: s.history };
    }
    return actions;
  };
  const root = search.initial();
  const roots = [root];
  const rootFp = search.fingerprintOf(root);
  visited.add(rootFp.hi, rootFp.lo);
  parent.push(-1);
  via.push(-1);
  search.stats.distinct = 1;
  let queue: Frame[] = [{ state: root, depth: 0, id: 0 }];
  let head = 0;
  while (head < queue.length) {
    if (search.outOfBudget()) {
      search.stats.queue = queue.length - head;
      return search.result('bounded');
    }
    const frame = queue[head]!;
    // An expanded state is garbage (its successors hold what they share with it): the queue keeps only those waiting.
    queue[head++] = EXPANDED;
    if (head > 65_536 && head * 2 > queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
    if (options.maxDepth !== undefined && frame.depth >= options.maxDepth) {
      search.depthCut = true;
      continue;
    }
    const actions = enabledActions(model, frame.state);
    const pathTo = (): Action[] => actionsTo(frame.id, roots);
    for (let i = 0; i < actions.length; i++) {
      const action = actions[i]!;
      const { next, verdict } = search.successor(frame.state, action, pathTo);
      if (verdict) return search.result('violation', search.counterexample([...actionsTo(frame.id, roots), action], verdict));
      const fp = search.fingerprintOf(next);
      if (!visited.add(fp.hi, fp.lo)) continue;
      parent.push(frame.id);
      via.push(i);
      search.stats.distinct++;
      search.stats.depth = Math.max(search.stats.depth, frame.depth + 1);
      if (!withinBounds(model, next)) {
        search.stats.beyondBounds++;
        continue;
      }
      queue.push({ state: next, depth: frame.depth + 1, id: parent.length - 1 });
    }
    search.tick(queue.length - head);
  }
  search.stats.queue = 0;
  return search.depthCut ? search.result('bounded', undefined, 'max-depth') : search.result('exhausted');
}

/**
 * Depth-first to `limit` (the current path on an explicit stack). A state seen before is
 * expanded again only when reached at a smaller depth, so every state within the limit is
 * reached by some path of length ≤ limit, and every violation at most `limit` steps deep is
 * found. Returns null, a violation, or 'budget'.
 */
function depthFirst(search: Search, limit: number): Counterexample | 'budget' | null {
  const { model } = search;
  const visited = new FingerprintSet();
  const root = search.initial();
  const fp = search.fingerprintOf(root);
  visited.add(fp.hi, fp.lo, 0);
  search.stats.distinct = 1;
  const stack: Array<{ state: ExploreState; actions: Action[]; next: number; via: Action | null }> = [];
  const push = (state: ExploreState, via: Action | null): void => {
    const inBounds = withinBounds(model, state);
    if (inBounds && stack.length >= limit) search.depthCut = true;
    const expandable = inBounds && stack.length < limit;
    stack.push({ state, actions: expandable ? enabledActions(model, state) : [], next: 0, via });
  };
  const path = (): Action[] => stack.slice(1).map((f) => f.via!);
  push(root, null);
  while (stack.length > 0) {
    const top = stack.at(-1)!;
    if (top.next >= top.actions.length) {
      stack.pop();
      continue;
    }
    if (search.outOfBudget()) {
      search.stats.queue = stack.length;
      return 'budget';
    }
    const action = top.actions[top.next++]!;
    const { next, verdict } = search.successor(top.state, action, path);
    if (verdict) return search.counterexample([...path(), action], verdict);
    const depth = stack.length;
    const f = search.fingerprintOf(next);
    const seen = visited.depthOf(f.hi, f.lo);
    if (seen >= 0 && seen <= depth) continue;
    if (seen < 0) {
      visited.add(f.hi, f.lo, depth);
      search.stats.distinct++;
      if (!withinBounds(model, next)) search.stats.beyondBounds++;
    } else visited.lowerDepth(f.hi, f.lo, depth);
    search.stats.depth = Math.max(search.stats.depth, depth);
    push(next, action);
    search.tick(stack.length);
  }
  search.stats.queue = 0;
  return null;
}

export function explore(model: ExploreModel, options: SearchOptions = {}): SearchResult {
  const mode = options.mode ?? 'bfs';
  const search = new Search(model, options);
  if (mode === 'bfs') return breadthFirst(search);
  const maxDepth = options.maxDepth;
  if (maxDepth === undefined) throw new Error(`--mode ${mode} needs --max-depth`);
  const limits = mode === 'dfs' ? [maxDepth] : Array.from({ length: maxDepth }, (_, k) => k + 1);
  for (const limit of limits) {
    search.depthCut = false;
    const found = depthFirst(search, limit);
    if (found === 'budget') return search.result('bounded');
    if (found) return search.result('violation', found);
    // Nothing was cut at this depth: every reachable state is within it.
    if (!search.depthCut) return search.result('exhausted');
  }
  return search.result('bounded', undefined, 'max-depth');
}
