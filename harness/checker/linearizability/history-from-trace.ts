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
 */
import type { ClientResult, Operation, RegisterState, TraceEvent } from '../../../src/trace/schema.js';
import type { HistoryOp, Outcome } from './history.js';
import { checkLinearizable } from './search.js';

type Pending = Omit<HistoryOp, 'id' | 'outcome' | 'ret'>;

export interface HistoryCollectorOptions {
  /** Cut the history at quiescent points (default true; see `cut`). */
  cut?: boolean;
  /** Attempt a cut only once this many operations are kept (default 64): each attempt searches them. */
  minSegment?: number;
}

export class HistoryCollector {
  /** Open requests by client and requestId, earliest first. */
  private readonly open = new Map<string, Pending[]>();
  private openCount = 0;
  /** Operations answered since the last cut, in the order of their answers. */
  private done: Array<Omit<HistoryOp, 'id'>> = [];
  /** Operations before the last cut (linearizable, and no longer kept), and the register's value there. */
  private discarded = 0;
  private start: RegisterState = null;
  /** False once a kept part proved not linearizable (or undecided): the final search reports it, from there on nothing is cut. */
  private cutting: boolean;
  private readonly minSegment: number;
  /** Responses that match no open request, with their lines (a conformance problem). */
  readonly orphanResponses: number[] = [];

  constructor(options: HistoryCollectorOptions = {}) {
    this.cutting = options.cut ?? true;
    this.minSegment = options.minSegment ?? 64;
  }

  /** The register's value before the operations `history()` returns (the initial register without a cut). */
  get initial(): RegisterState {
    return this.start;
  }

  event(e: TraceEvent, line: number): void {
    if (e.kind === 'client_request') {
      const key = `${e.client}#${e.requestId}`;
      const sends = this.open.get(key);
      const pending: Pending = { client: e.client, op: e.op, call: line, callLine: line };
      if (sends) sends.push(pending);
      else this.open.set(key, [pending]);
      this.openCount++;
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
      if (r.status === 'not_leader') return;
      this.done.push({ ...pending, outcome: outcomeOf(pending.op, r), ret: line, retLine: line });
      if (this.cutting && this.openCount === 0 && this.done.length >= this.minSegment) this.cut();
    }
  }

  /** Every operation seen (answered, pending, and those before the last cut), `not_leader` answers apart. */
  get size(): number {
    return this.discarded + this.openCount + this.done.length;
  }

  /**
   * Discards the operations kept so far when nothing is pending (no request open: none spans
   * this point, none may be answered later) and the last answer L fixes the register (a set or
   * a cas that took effect, a read, a failed cas that says what it saw) and overlaps no other
   * operation (every other one was answered before L was called). Then every linearization of
   * the whole history places the kept operations first, L last among them: the history is
   * linearizable if and only if the kept part is (checked here) and what follows is, from
   * L's value. A kept part that is not linearizable is kept, and cutting stops: the final
   * search reports it as it would have. test/linearizability-cut.test.ts checks the cut
   * history against the uncut one on random histories.
   */
  private cut(): void {
    const last = this.done.at(-1)!;
    const before = this.done.at(-2);
    if (before && !(before.ret < last.call)) return;
    const value = stateAfter(last);
    if (value === undefined) return;
    const result = checkLinearizable(this.history(), { initial: this.start });
    if (result.verdict !== 'linearizable') {
      this.cutting = false;
      return;
    }
    this.discarded += this.done.length;
    this.done = [];
    this.start = value;
  }

  /** The history so far, with unanswered requests as unknown outcomes. */
  history(): HistoryOp[] {
    const unanswered = [...this.open.values()].flat().map((p) => ({ ...p, outcome: { status: 'unknown' } as Outcome, ret: Infinity }));
    const all: Array<Omit<HistoryOp, 'id'>> = [...this.done, ...unanswered];
    all.sort((a, b) => a.call - b.call);
    return all.map((h, id) => ({ id, ...h }));
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
