/**
 * Extracts the client history from a trace, streaming: a `client_request` is an invocation,
 * its `client_response` (same client and requestId) the completion. A `not_leader` answer
 * means the operation was not applied, so it leaves the history; a request never answered
 * (a crash, a lost leader) has an unknown outcome. Line numbers order the history.
 */
import type { TraceEvent } from '../../../src/trace/schema.js';
import type { HistoryOp, Outcome } from './history.js';

export class HistoryCollector {
  private readonly open = new Map<string, Omit<HistoryOp, 'id' | 'outcome' | 'ret'>>();
  private readonly done: Array<Omit<HistoryOp, 'id'>> = [];
  /** Responses that match no open request, with their lines (a conformance problem). */
  readonly orphanResponses: number[] = [];

  event(e: TraceEvent, line: number): void {
    if (e.kind === 'client_request') {
      this.open.set(`${e.client}#${e.requestId}`, { client: e.client, op: e.op, call: line, callLine: line });
    } else if (e.kind === 'client_response') {
      const key = `${e.client}#${e.requestId}`;
      const pending = this.open.get(key);
      if (!pending) {
        this.orphanResponses.push(line);
        return;
      }
      this.open.delete(key);
      const r = e.result;
      if (r.status === 'not_leader') return;
      const outcome: Outcome = r.status === 'cas_failed' ? { status: 'cas_failed' } : pending.op.type === 'get' ? { status: 'ok', value: r.value ?? null } : { status: 'ok' };
      this.done.push({ ...pending, outcome, ret: line, retLine: line });
    }
  }

  get size(): number {
    return this.open.size + this.done.length;
  }

  /** The history so far, with unanswered requests as unknown outcomes. */
  history(): HistoryOp[] {
    const all: Array<Omit<HistoryOp, 'id'>> = [...this.done, ...[...this.open.values()].map((p) => ({ ...p, outcome: { status: 'unknown' } as Outcome, ret: Infinity }))];
    all.sort((a, b) => a.call - b.call);
    return all.map((h, id) => ({ id, ...h }));
  }
}
