/**
 * The obvious, slow linearizability check that the real search (harness/checker/linearizability/
 * search.ts) is tested against. It shares nothing with the search, not even the register model:
 * it tries every order of the operations that real time allows, with every operation whose
 * outcome is unknown either left out or placed anywhere after its call, and replays each order
 * on a register. Exponential: for histories of a handful of operations only.
 *
 * The semantics, written once here as the definition the search must meet:
 * - an operation with a known outcome (`ok`, `cas_failed`) took effect exactly once;
 * - one with an unknown outcome took effect once or never, with no deadline (its `ret` is only
 *   when the client stopped waiting);
 * - real time: if a known operation A returned before B was called (A.ret < B.call, strictly:
 *   equal times overlap), A comes before B;
 * - the register starts at null; `set v` makes it v; `get` reads it (an `ok` get must read
 *   the value it reports, a missing value meaning null); `cas e→v` makes it v if it holds e
 *   (then only `ok` or unknown are possible answers), else leaves it (then only `cas_failed`,
 *   whose optional value must be what it holds, or unknown). `cas_failed` is no answer to a
 *   set or a get.
 */
import type { HistoryOp } from '../../harness/checker/linearizability/history.js';
import type { RegisterState } from '../../src/trace/schema.js';

const IMPOSSIBLE = Symbol('impossible');

/** The register after `h` takes effect on `state`, or IMPOSSIBLE if its answer rules that out. */
export function registerStep(state: RegisterState, h: HistoryOp): RegisterState | typeof IMPOSSIBLE {
  const { op, outcome } = h;
  if (op.type === 'set') {
    if (outcome.status === 'cas_failed') return IMPOSSIBLE;
    return op.value;
  }
  if (op.type === 'get') {
    if (outcome.status === 'unknown') return state;
    if (outcome.status === 'cas_failed') return IMPOSSIBLE;
    const read = outcome.value === undefined ? null : outcome.value;
    return read === state ? state : IMPOSSIBLE;
  }
  const matches = state === op.expected;
  if (outcome.status === 'unknown') return matches ? op.value : state;
  if (outcome.status === 'ok') return matches ? op.value : IMPOSSIBLE;
  if (matches) return IMPOSSIBLE;
  if (outcome.value !== undefined && outcome.value !== state) return IMPOSSIBLE;
  return state;
}

const known = (h: HistoryOp): boolean => h.outcome.status !== 'unknown';

/** Must `a` come before `b` in every order? */
function mustPrecede(a: HistoryOp, b: HistoryOp): boolean {
  return known(a) && a.ret < b.call;
}

/** Is there an order of (a subset of) the operations that explains the history? */
export function bruteForceLinearizable(history: readonly HistoryOp[]): boolean {
  const placed = new Array<boolean>(history.length).fill(false);
  const knownCount = history.filter(known).length;
  // Depth-first over orders, abandoning one as soon as a step is impossible: every extension
  // of an impossible prefix is impossible too, so no order is missed.
  const extend = (state: RegisterState, knownPlaced: number): boolean => {
    if (knownPlaced === knownCount) return true; // the unknown ones left over never took effect
    for (let i = 0; i < history.length; i++) {
      if (placed[i]) continue;
      const h = history[i]!;
      if (history.some((o, j) => !placed[j] && j !== i && mustPrecede(o, h))) continue;
      const next = registerStep(state, h);
      if (next === IMPOSSIBLE) continue;
      placed[i] = true;
      const found = extend(next, knownPlaced + (known(h) ? 1 : 0));
      placed[i] = false;
      if (found) return true;
    }
    return false;
  };
  return extend(null, 0);
}

/** Does `order` (operation indices) explain the history: every known operation once, in real-time order, each step possible? */
export function isWitness(history: readonly HistoryOp[], order: readonly number[]): boolean {
  if (new Set(order).size !== order.length || order.some((i) => !Number.isInteger(i) || i < 0 || i >= history.length)) return false;
  if (history.some((h, i) => known(h) && !order.includes(i))) return false;
  let state: RegisterState = null;
  for (const [k, i] of order.entries()) {
    const h = history[i]!;
    // Nothing placed later may have had to come first (what is left out is unknown: it never has to).
    if (order.slice(k + 1).some((j) => mustPrecede(history[j]!, h))) return false;
    const next = registerStep(state, h);
    if (next === IMPOSSIBLE) return false;
    state = next;
  }
  return true;
}
