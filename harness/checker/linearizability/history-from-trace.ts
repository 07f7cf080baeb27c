/**
 * Extracts the client history from a trace, streaming: a `client_request` is an invocation,
 * its `client_response` (same client and requestId) the completion. A `not_leader` answer
 * means the operation was not applied, so it leaves the history; a request never answered
 * (a crash, a lost leader) has an unknown outcome. Line numbers order the history.
 *
 * A client may send a request again under the same requestId before it is answered (a retry
 * after a time-out, as §8 suggests so that servers can spot duplicates). Each request is kept
 * as an operation; an answer completes the earliest one open under that id (the widest
 * window: it may answer the first send), and the others stay unknown (a retry may be applied
 * too, or not). A `not_leader` answer to one of several open sends cannot say which was
 * refused, so it removes none.
 *
 * Memory: answered operations are kept compactly (compact-history.ts), and the history is cut
 * as it streams, in two ways (spec/CONFORMANCE.md, "Memory with snapshots"):
 * - an exact cut where no request is open (`cut`): everything before it is dropped;
 * - a cut past open requests (`placeSegment`): the operations answered since the last cut are
 *   placed in one linearization (a witness) that ends at a known register value, and the next
 *   search starts there. The chain of witnesses proves the history linearizable when the last
 *   search succeeds; otherwise (the witness may have made choices a later answer rules out)
 *   the verdict comes from the search of the whole history since the last exact cut, which is
 *   why its answered operations are kept (compactly) until then.
 */
import type { ClientResult, Operation, RegisterState, TraceEvent } from '../../../src/trace/schema.js';
import { CompactHistory, type HistoryPosition } from './compact-history.js';
import type { HistoryOp, Outcome } from './history.js';
import { stepRegister } from './register-model.js';
import { checkLinearizable, type LinearizabilityResult } from './search.js';

interface Pending {
  client: string;
  requestId: number;
  op: Operation;
  call: number;
  callLine: number;
  /** Set once a witness has placed this request (an unknown outcome taking effect): the register before and after it there. */
  placed?: { before: RegisterState; after: RegisterState };
}

export interface HistoryCollectorOptions {
  /** Cut the history (default true; see `cut` and `placeSegment`). */
  cut?: boolean;
  /** Attempt a cut only once this many operations were answered since the last (default 64): each attempt searches them. */
  minSegment?: number;
  /** Also cut where requests are open, by a witness (default true). */
  cutPastOpen?: boolean;
  /**
   * Cut past open requests only when every open request not yet placed was given up by its
   * client (it has sent another request since; default true): one still awaited is likely
   * to be answered soon, and a witness placing it before its answer would often guess wrong.
   * Only a matter of cost: every choice is exact. Tests turn it off to cut as often as possible.
   */
  onlyGivenUp?: boolean;
}

/** Search budget of one witness: past it, the chain is given up (exact either way). */
const WITNESS_MAX_STEPS = 200_000;

export class HistoryCollector {
  /** Open requests by client and requestId, earliest first. */
  private readonly open = new Map<string, Pending[]>();
  private openCount = 0;
  /** The requestId each client sent last (to tell a request its client gave up on). */
  private readonly latestRequest = new Map<string, number>();
  /** Operations answered since the last exact cut, in the order of their answers. */
  private record = new CompactHistory();
  /** Operations before the last exact cut (linearizable, and no longer kept), and the register's value there. */
  private discarded = 0;
  private start: RegisterState = null;
  /** False once a kept part proved not linearizable (or undecided): the final search reports it, from there on nothing is cut. */
  private cutting: boolean;
  private readonly minSegment: number;
  private readonly cutPastOpen: boolean;
  private readonly onlyGivenUp: boolean;
  /**
   * True while the chain of witnesses holds: every operation in `record` before
   * `segmentStart` (and every open request marked `placed`, and every operation in
   * `answeredPlaced`) has its place in a linearization ending with the register at
   * `segmentValue`.
   */
  private witness: boolean;
  private segmentStart: HistoryPosition = this.record.end;
  private segmentValue: RegisterState = null;
  /** Indices in `record` (from `segmentStart`) of requests a witness placed before they were answered. */
  private readonly answeredPlaced = new Set<number>();
  /** Lines of the previous answer, of the last cut, of the last exact cut (-1: none). */
  private previousAnswer = -1;
  private lastCut = -1;
  private lastExactCut = -1;
  /** What the cuts did (tests read it): exact cuts, segments placed by a witness (and of those, while requests were open), chains given up. */
  readonly stats = { exactCuts: 0, witnessCuts: 0, cutsPastOpen: 0, witnessesGivenUp: 0 };
  /** Responses that match no open request, with their lines (a conformance problem). */
  readonly orphanResponses: number[] = [];

  constructor(options: HistoryCollectorOptions = {}) {
    this.cutting = options.cut ?? true;
    this.minSegment = options.minSegment ?? 64;
    this.cutPastOpen = this.cutting && (options.cutPastOpen ?? true);
    this.onlyGivenUp = options.onlyGivenUp ?? true;
    this.witness = this.cutPastOpen;
  }

  /** The register's value before the operations `history()` returns (the initial register without a cut). */
  get initial(): RegisterState {
    return this.start;
  }

  event(e: TraceEvent, line: number): void {
    if (e.kind === 'client_request') {
      const key = `${e.client}#${e.requestId}`;
      const sends = this.open.get(key);
      const pending: Pending = { client: e.client, requestId: e.requestId, op: e.op, call: line, callLine: line };
      if (sends) sends.push(pending);
      else this.open.set(key, [pending]);
      this.openCount++;
      this.latestRequest.set(e.client, e.requestId);
    } else if (e.kind === 'client_response') {
      const key = `${e.client}#${e.requestId}`;
      const sends = this.open.get(key);
      if (!sends) {
        this.orphanResponses.push(line);
        return;
      }
      const r = e.result;
      if (r.status === 'not_leader' && sends.length > 1) return;
      const pending = sends.shift()!;
      this.openCount--;
      if (sends.length === 0) this.open.delete(key);
      if (r.status === 'not_leader') {
        // Not applied: a witness that placed it placed an operation that never was.
        if (pending.placed) this.giveUpWitness();
        return;
      }
      const answered: Omit<HistoryOp, 'id'> = { client: pending.client, op: pending.op, call: pending.call, callLine: pending.callLine, outcome: outcomeOf(pending.op, r), ret: line, retLine: line };
      const index = this.record.length;
      this.record.push(answered);
      const previous = this.previousAnswer;
      this.previousAnswer = line;
      if (pending.placed) {
        // Placed before this answer (so before its return): right only if the answer says what it did there.
        this.answeredPlaced.add(index);
        const step = stepRegister(pending.placed.before, { id: -1, ...answered });
        if (!step || step.next !== pending.placed.after) this.giveUpWitness();
        return;
      }
      if (this.cutting && this.record.length - this.segmentStart.index >= this.minSegment) this.cut(answered, previous);
    }
  }

  /** Every operation seen (answered, pending, and those before the last cut), `not_leader` answers apart. */
  get size(): number {
    return this.discarded + this.openCount + this.record.length;
  }

  /**
   * After the answer `last` (L), cuts if it can. L must fix the register (a set or a cas that
   * took effect, a read, a failed cas that says what it saw) and overlap no other operation
   * answered since the cut in question (the previous answer came before L was called), so
   * that L is last among them in every linearization.
   *
   * Exact cut: when no request is open as well, every linearization of the whole history
   * places the operations so far first, L last among them: the history is linearizable if and
   * only if they are (checked here: by the chain of witnesses, else by a search of them all)
   * and what follows is, from L's value. They are dropped. A part that is not linearizable is
   * kept, and cutting stops: the final search reports it as it would have.
   * test/linearizability-cut.test.ts checks the cuts against the uncut history on random histories.
   */
  private cut(last: Omit<HistoryOp, 'id'>, previous: number): void {
    const value = stateAfter(last);
    if (value === undefined) return;
    const exact = this.openCount === 0 && (previous <= this.lastExactCut || previous < last.call);
    if (this.witness && (previous <= this.lastCut || previous < last.call)) {
      if (this.openCount > 0 && (this.onlyGivenUp ? !this.allOpenGivenUp() : false)) return;
      if (this.placeSegment(value, last.ret)) {
        if (exact) this.dropRecord(value, last.ret);
        return;
      }
    }
    if (!exact) return;
    const result = checkLinearizable(this.history(), { initial: this.start });
    if (result.verdict !== 'linearizable') {
      this.cutting = false;
      return;
    }
    this.dropRecord(value, last.ret);
  }

  /** The exact cut: forgets every operation so far (all answered and linearizable, L's value `value`). */
  private dropRecord(value: RegisterState, line: number): void {
    this.discarded += this.record.length;
    this.record = new CompactHistory();
    this.start = value;
    this.witness = this.cutPastOpen;
    this.segmentStart = this.record.end;
    this.answeredPlaced.clear();
    this.segmentValue = value;
    this.lastCut = this.lastExactCut = line;
    this.stats.exactCuts++;
  }

  /** Whether every open request not yet placed was given up by its client (see `onlyGivenUp`). */
  private allOpenGivenUp(): boolean {
    for (const sends of this.open.values()) for (const p of sends) if (!p.placed && this.latestRequest.get(p.client) === p.requestId) return false;
    return true;
  }

  /**
   * The cut past open requests: a linearization of the operations answered since the last cut,
   * from `segmentValue`, ending with L (of value `value`). Open requests are left out if it
   * can (then each may still take effect at any later point, or never); else they join as
   * unknown outcomes, and those the linearization places before L are marked placed (a later
   * answer must agree: see `event`). No linearization: the chain is given up.
   */
  private placeSegment(value: RegisterState, line: number): boolean {
    const initial = this.segmentValue;
    let result = checkLinearizable(this.segment(false).ops, { initial, maxSteps: WITNESS_MAX_STEPS });
    if (result.verdict !== 'linearizable' && this.openCount > 0) {
      const { ops, pending } = this.segment(true);
      result = checkLinearizable(ops, { initial, maxSteps: WITNESS_MAX_STEPS });
      if (result.verdict === 'linearizable') placeOpen(result, ops, pending, initial);
    }
    if (result.verdict !== 'linearizable') {
      this.giveUpWitness();
      return false;
    }
    this.segmentStart = this.record.end;
    this.answeredPlaced.clear();
    this.segmentValue = value;
    this.lastCut = line;
    this.stats.witnessCuts++;
    if (this.openCount > 0) this.stats.cutsPastOpen++;
    return true;
  }

  private giveUpWitness(): void {
    if (!this.witness) return;
    this.witness = false;
    this.stats.witnessesGivenUp++;
  }

  /** The operations answered since the last cut (not placed before), with the open requests not placed as unknown outcomes if `withOpen`. */
  private segment(withOpen: boolean): { ops: HistoryOp[]; pending: Array<Pending | null> } {
    const all: Array<{ h: Omit<HistoryOp, 'id'>; p: Pending | null }> = [];
    this.record.forEach((h, i) => void (this.answeredPlaced.has(i) || all.push({ h, p: null })), this.segmentStart);
    if (withOpen) for (const sends of this.open.values()) for (const p of sends) if (!p.placed) all.push({ h: unanswered(p), p });
    all.sort((a, b) => a.h.call - b.h.call);
    return { ops: all.map(({ h }, id) => ({ id, ...h })), pending: all.map(({ p }) => p) };
  }

  /**
   * The verdict on the whole history: the last witness's search, from where the chain of
   * witnesses ends, if the chain holds and that search finds an order; else the search of
   * everything since the last exact cut. `history` is what the result's indices refer to.
   */
  verdict(maxSteps?: number): { result: LinearizabilityResult; history: HistoryOp[]; from: 'witnesses' | 'last exact cut' } {
    const budget = maxSteps === undefined ? {} : { maxSteps };
    if (this.witness && this.lastCut > this.lastExactCut) {
      const { ops } = this.segment(true);
      const result = checkLinearizable(ops, { initial: this.segmentValue, ...budget });
      if (result.verdict === 'linearizable') return { result, history: ops, from: 'witnesses' };
    }
    const history = this.history();
    return { result: checkLinearizable(history, { initial: this.start, ...budget }), history, from: 'last exact cut' };
  }

  /** The history since the last exact cut, with unanswered requests as unknown outcomes. */
  history(): HistoryOp[] {
    const all: Array<Omit<HistoryOp, 'id'>> = [];
    this.record.forEach((h) => void all.push(h));
    for (const sends of this.open.values()) for (const p of sends) all.push(unanswered(p));
    all.sort((a, b) => a.call - b.call);
    return all.map((h, id) => ({ id, ...h }));
  }
}

function unanswered(p: Pending): Omit<HistoryOp, 'id'> {
  return { client: p.client, op: p.op, call: p.call, callLine: p.callLine, outcome: { status: 'unknown' }, ret: Infinity };
}

/** Marks the open requests a witness's order places (replayed from `initial`), with the register around each. */
function placeOpen(result: Extract<LinearizabilityResult, { verdict: 'linearizable' }>, ops: readonly HistoryOp[], pending: ReadonlyArray<Pending | null>, initial: RegisterState): void {
  let state = initial;
  for (const id of result.order) {
    const next = stepRegister(state, ops[id]!)!.next;
    const p = pending[id];
    if (p) p.placed = { before: state, after: next };
    state = next;
  }
}

/** The register after an operation whose answer fixes it, else undefined. */
function stateAfter(h: Omit<HistoryOp, 'id'>): RegisterState | undefined {
  const { op, outcome } = h;
  if (outcome.status === 'ok') return op.type === 'get' ? outcome.value ?? null : op.value;
  if (outcome.status === 'cas_failed') return outcome.value;
  return undefined;
}

/** What an answer says: a get's value read (missing: null), a failed cas's value seen (if given). */
function outcomeOf(op: Operation, r: Exclude<ClientResult, { status: 'not_leader' }>): Outcome {
  if (r.status === 'cas_failed') return r.value === undefined ? { status: 'cas_failed' } : { status: 'cas_failed', value: r.value };
  return op.type === 'get' ? { status: 'ok', value: r.value ?? null } : { status: 'ok' };
}
