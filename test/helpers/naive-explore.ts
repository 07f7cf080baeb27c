/**
 * A brute-force enumeration of explore's model for differential tests: breadth-first with a
 * set of whole states written as JSON (structural equality, no fingerprints, no canonical
 * encoder), from the same actions and steps. Kept obvious rather than fast.
 */
import { enabledActions } from '../../harness/explore/actions.js';
import { StepChecker } from '../../harness/explore/check.js';
import { withinBounds, type ExploreModel, type ExploreState } from '../../harness/explore/model.js';
import { applyAction, initialState } from '../../harness/explore/step.js';
import { traceHeader } from '../../harness/explore/trace.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** The state as plain JSON: nodes in id order, the bag as a sorted list, sets and per-peer maps sorted. */
export function plainState(s: ExploreState, ids: readonly string[], rename: (id: string) => string = (id) => id, order: readonly string[] = ids): Json {
  const r = (v: Json): Json => {
    if (typeof v === 'string') return ids.includes(v) ? rename(v) : v;
    if (Array.isArray(v)) return v.map(r);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, r(x)]));
    return v;
  };
  const byId = (pairs: Json): Json => [...(pairs as Json[])].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  const nodes = order.map((id) => {
    const slot = JSON.parse(JSON.stringify(s.nodes[ids.indexOf(id)])) as { [k: string]: Json };
    const renamed = r(slot) as { [k: string]: { [k: string]: Json } };
    if (renamed.snap) {
      renamed.snap.votes = [...(renamed.snap.votes as string[])].sort();
      renamed.snap.nextIndex = byId(renamed.snap.nextIndex!);
      renamed.snap.matchIndex = byId(renamed.snap.matchIndex!);
    }
    return renamed;
  });
  const bag = s.bag.map((f) => JSON.stringify(r(JSON.parse(JSON.stringify(f.msg)) as Json))).sort();
  return { nodes, bag, crashes: s.crashes, clientOps: s.clientOps, diverged: s.diverged, history: s.history.historyKey(order, rename) } as unknown as Json;
}

/** Every reachable state (within the bounds: expanded; beyond: kept, not expanded), as JSON strings. */
export function naiveStates(model: ExploreModel): { states: Map<string, ExploreState> } {
  const checker = new StepChecker();
  const root: ExploreState = { ...initialState(model).state, history: checker.root(traceHeader(model)) };
  const states = new Map<string, ExploreState>([[JSON.stringify(plainState(root, model.ids)), root]]);
  let frontier = [root];
  while (frontier.length > 0) {
    const next: ExploreState[] = [];
    for (const s of frontier) {
      if (!withinBounds(model, s)) continue;
      for (const a of enabledActions(model, s)) {
        const step = applyAction(model, s, a);
        const t: ExploreState = { ...step.next, history: checker.advance(s.history, step.lines).history };
        const key = JSON.stringify(plainState(t, model.ids));
        if (states.has(key)) continue;
        states.set(key, t);
        next.push(t);
      }
    }
    frontier = next;
  }
  return { states };
}

/** Every permutation of `ids` as (order, rename): order[k] is the server renamed to ids[k]. */
export function allPermutations(ids: readonly string[]): Array<{ order: string[]; rename: (id: string) => string }> {
  if (ids.length <= 1) return [{ order: [...ids], rename: (id) => id }];
  const out: Array<{ order: string[]; rename: (id: string) => string }> = [];
  const go = (rest: string[], chosen: string[]) => {
    if (!rest.length) {
      const m = new Map(chosen.map((old, k) => [old, ids[k]!]));
      out.push({ order: chosen, rename: (id) => m.get(id)! });
    }
    rest.forEach((x, i) => go(rest.filter((_, j) => j !== i), [...chosen, x]));
  };
  go([...ids], []);
  return out;
}

/** The number of orbits of `states` under the permutations of the servers. */
export function orbitCount(model: ExploreModel, states: Iterable<ExploreState>): number {
  const perms = allPermutations(model.ids);
  const orbits = new Set<string>();
  for (const s of states) orbits.add(perms.map((p) => JSON.stringify(plainState(s, model.ids, p.rename, p.order))).sort()[0]!);
  return orbits.size;
}
