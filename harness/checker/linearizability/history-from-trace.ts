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
import type { ClientResult, Operation, TraceEvent } from '../../../src/trace/schema.js';
import type { HistoryOp, Outcome } from './history.js';

type Pending = Omit<HistoryOp, 'id' | 'outcome' | 'ret'>;

export class HistoryCollector {
  /** Open requests by client and requestId, earliest first. */
  private readonly open = new Map<string, Pending[]>();
  private openCount = 0;
  private readonly done: Array<Omit<HistoryOp, 'id'>> = [];
  /** Responses that match no open request, with their lines (a conformance problem). */
  readonly orphanResponses: number[] = [];

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
    }
  }

  get size(): number {
    return this.openCount + this.done.length;
  }

  /** The history so far, with unanswered requests as unknown outcomes. */
  history(): HistoryOp[] {
    const unanswered = [...this.open.values()].flat().map((p) => ({ ...p, outcome: { status: 'unknown' } as Outcome, ret: Infinity }));
    const all: Array<Omit<HistoryOp, 'id'>> = [...this.done, ...unanswered];
    all.sort((a, b) => a.call - b.call);
    return all.map((h, id) => ({ id, ...h }));
  }
}

/** What an answer says: a get's value read (missing: null), a failed cas's value seen (if given). */
function outcomeOf(op: Operation, r: Exclude<ClientResult, { status: 'not_leader' }>): Outcome {
  if (r.status === 'cas_failed') return r.value === undefined ? { status: 'cas_failed' } : { status: 'cas_failed', value: r.value };
  return op.type === 'get' ? { status: 'ok', value: r.value ?? null } : { status: 'ok' };
}
