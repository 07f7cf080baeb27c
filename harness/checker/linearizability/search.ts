/**
 * Linearizability checking of a register history: the Wing & Gong backtracking search with
 * Lowe's memoisation of (set of linearized operations, register state), as Porcupine does.
 *
 * The history is a list of call/return entries in time order. The search walks it: at a call,
 * it tries to linearize that operation now (the model must allow it and the resulting
 * configuration must be new); at a return of an operation not yet linearized, the current
 * choice is impossible and it backtracks. Once every operation with a known outcome is
 * linearized, the search is done: the rest have unknown outcomes and may take effect later,
 * or never. A step budget turns a pathological history into "unknown", never a hang.
 *
 * An operation with an unknown outcome has no deadline (history.ts): its return entry goes
 * to the end of the list and never forces a backtrack, whatever its `ret`.
 */
import type { RegisterState } from '../../../src/trace/schema.js';
import type { HistoryOp } from './history.js';
import { INITIAL_REGISTER, stepRegister } from './register-model.js';

export type LinearizabilityResult =
  | { verdict: 'linearizable'; order: number[]; steps: number }
  | {
      verdict: 'not-linearizable';
      steps: number;
      /** The longest sequence of operations that could be linearized. */
      longestPrefix: number[];
      /** The register after that prefix. */
      stateAfterPrefix: RegisterState;
      /** Operations that returned before any could be placed after the prefix: the culprits. */
      stuck: number[];
    }
  | { verdict: 'unknown'; steps: number; reason: string };

interface Entry {
  op: number;
  isCall: boolean;
  /** Links of the doubly linked list; `match` joins a call to its return. */
  prev: Entry | null;
  next: Entry | null;
  match: Entry | null;
}

/** Whether the operation must have taken effect (by its return): its outcome is known. */
function mustTakeEffect(h: HistoryOp): boolean {
  return h.outcome.status !== 'unknown';
}

function buildList(history: readonly HistoryOp[]): Entry | null {
  const points: Array<{ time: number; isCall: boolean; op: number }> = [];
  for (const [i, h] of history.entries()) {
    if (!(h.ret >= h.call)) throw new RangeError(`operation ${i} returns (${h.ret}) before it is called (${h.call})`);
    points.push({ time: h.call, isCall: true, op: i });
    points.push({ time: mustTakeEffect(h) ? h.ret : Infinity, isCall: false, op: i });
  }
  // At equal times calls come first: overlapping is the weaker (more permissive) assumption.
  // (Compared, not subtracted: Infinity - Infinity is NaN.)
  points.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0) || Number(b.isCall) - Number(a.isCall) || a.op - b.op);
  const head: Entry = { op: -1, isCall: false, prev: null, next: null, match: null };
  const calls = new Map<number, Entry>();
  let last = head;
  for (const p of points) {
    const entry: Entry = { op: p.op, isCall: p.isCall, prev: last, next: null, match: null };
    last.next = entry;
    last = entry;
    if (p.isCall) calls.set(p.op, entry);
    else {
      const call = calls.get(p.op)!;
      call.match = entry;
      entry.match = call;
    }
  }
  return head;
}

/** Unlinks a call entry and its return. */
function lift(call: Entry): void {
  call.prev!.next = call.next;
  if (call.next) call.next.prev = call.prev;
  const ret = call.match!;
  ret.prev!.next = ret.next;
  if (ret.next) ret.next.prev = ret.prev;
}

/** Undoes `lift` (in reverse order). */
function unlift(call: Entry): void {
  const ret = call.match!;
  ret.prev!.next = ret;
  if (ret.next) ret.next.prev = ret;
  call.prev!.next = call;
  if (call.next) call.next.prev = call;
}

/**
 * The set of linearized operations, kept as two independent 32-bit Zobrist hashes (XOR of a
 * fixed pseudo-random code per member) so that a configuration is remembered in a few dozen
 * bytes whatever the history's length. Two different sets share both hashes with odds of
 * about n²/2^65 for n configurations (3e-8 at a million, 7e-7 at the default budget of five
 * million steps). A collision never makes the search accept a wrong order, but it could make
 * it skip a configuration it has not seen, so in principle turn "linearizable" into a false
 * "not linearizable"; at those odds that is accepted, the alternative being memory that grows
 * with the history's length per configuration.
 */
class LinearizedSet {
  h1 = 0;
  h2 = 0;
  /** Adds i if absent, removes it if present (XOR is its own inverse). */
  toggle(i: number): void {
    this.h1 = (this.h1 ^ zobrist(i, 0x9e3779b9)) >>> 0;
    this.h2 = (this.h2 ^ zobrist(i, 0x85ebca77)) >>> 0;
  }
}

function zobrist(i: number, salt: number): number {
  let z = Math.imul(i + 1, salt) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/** Memo of visited configurations (linearized set, register state). */
class Visited {
  private readonly seen = new Set<string>();
  /** Adds the configuration; false if it was already there. */
  add(set: LinearizedSet, state: RegisterState): boolean {
    const key = `${set.h1}:${set.h2}|${typeof state === 'string' ? 's' + state : String(state)}`;
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    return true;
  }
}

export interface SearchOptions {
  /** Give up (verdict unknown) after this many search steps. */
  maxSteps?: number;
  /** The register's value before the history (default: the initial register); see history-from-trace.ts, "cuts". */
  initial?: RegisterState;
}

export function checkLinearizable(history: readonly HistoryOp[], options: SearchOptions = {}): LinearizabilityResult {
  const maxSteps = options.maxSteps ?? 5_000_000;
  const head = buildList(history)!;
  const linearized = new LinearizedSet();
  const seen = new Visited();
  const stack: Array<{ call: Entry; stateBefore: RegisterState }> = [];
  let state: RegisterState = options.initial === undefined ? INITIAL_REGISTER : options.initial;
  let entry = head.next;
  let steps = 0;
  let best: { prefix: number[]; state: RegisterState; stuck: number[] } = { prefix: [], state, stuck: [] };

  // Once only operations with unknown outcomes are left, they can all take effect after the
  // rest (or never), so the search is done.
  let mustLeft = history.filter(mustTakeEffect).length;

  while (mustLeft > 0) {
    if (++steps > maxSteps) return { verdict: 'unknown', steps, reason: `search budget of ${maxSteps} steps exhausted` };
    if (entry === null) throw new Error('linearizability search fell off the list');
    if (entry.isCall) {
      const h = history[entry.op]!;
      const result = stepRegister(state, h);
      // An unknown-outcome operation that would change nothing here is as well left out: it
      // has no deadline, so trying it now only multiplies the search.
      if (result && !(h.outcome.status === 'unknown' && result.next === state)) {
        linearized.toggle(entry.op);
        if (seen.add(linearized, result.next)) {
          stack.push({ call: entry, stateBefore: state });
          if (mustTakeEffect(h)) mustLeft -= 1;
          state = result.next;
          lift(entry);
          entry = head.next;
          continue;
        }
        linearized.toggle(entry.op);
      }
      entry = entry.next;
      continue;
    }
    // The end of an unknown outcome is no deadline (they all sit at the end of the list).
    if (!mustTakeEffect(history[entry.op]!)) {
      entry = entry.next;
      continue;
    }
    // A return of an operation not yet linearized: every choice since the last one is dead.
    if (stack.length >= best.prefix.length) {
      const stuck: number[] = [];
      for (let e = head.next; e !== null && e !== entry.next; e = e.next) if (!e.isCall && mustTakeEffect(history[e.op]!)) stuck.push(e.op);
      if (stack.length > best.prefix.length || best.stuck.length === 0) {
        best = { prefix: stack.map((s) => s.call.op), state, stuck };
      }
    }
    const top = stack.pop();
    if (!top) {
      return { verdict: 'not-linearizable', steps, longestPrefix: best.prefix, stateAfterPrefix: best.state, stuck: best.stuck };
    }
    state = top.stateBefore;
    if (mustTakeEffect(history[top.call.op]!)) mustLeft += 1;
    linearized.toggle(top.call.op);
    unlift(top.call);
    entry = top.call.next;
  }
  return { verdict: 'linearizable', order: stack.map((s) => s.call.op), steps };
}
