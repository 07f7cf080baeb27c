/**
 * A client history: the operations clients invoked on the replicated register and how they
 * completed, as extracted from a trace or imported from another tool (Jepsen).
 */
import type { Command, Operation, RegisterState } from '../../../src/trace/schema.js';

/**
 * How an operation completed.
 * - `ok`: it took effect (a get carries the value it read);
 * - `cas_failed`: it was applied but the compare did not match (no change);
 * - `unknown`: no answer (a time-out, a crash): it may have taken effect at any point after
 *   its invocation, or never.
 */
export type Outcome =
  | { status: 'ok'; value?: RegisterState }
  | { status: 'cas_failed' }
  | { status: 'unknown' };

export interface HistoryOp {
  /** Position in the history, 0-based; stable in reports. */
  id: number;
  client: string;
  op: Operation;
  outcome: Outcome;
  /** Ordering points: an operation can take effect only between call and ret. */
  call: number;
  /** `Infinity` for an unknown outcome: it never returned. */
  ret: number;
  /** Where the invocation and the completion were seen (trace line numbers), for reports. */
  callLine?: number;
  retLine?: number;
}

/** `set 5`, `get`, `cas 3→5` (and `noop` for a log entry's command). */
export function describeOperation(op: Operation | Command): string {
  return op.type === 'set' ? `set ${JSON.stringify(op.value)}` : op.type === 'cas' ? `cas ${JSON.stringify(op.expected)}→${JSON.stringify(op.value)}` : op.type;
}

export function describeOp(h: HistoryOp): string {
  const op = h.op;
  const what = describeOperation(op);
  const how =
    h.outcome.status === 'unknown'
      ? 'outcome unknown'
      : h.outcome.status === 'cas_failed'
        ? 'failed: compare did not match'
        : op.type === 'get'
          ? `read ${JSON.stringify(h.outcome.value ?? null)}`
          : 'ok';
  const where = h.callLine !== undefined ? ` (line ${h.callLine}${h.retLine !== undefined ? `–${h.retLine}` : ''})` : '';
  return `client ${h.client}: ${what}, ${how}${where}`;
}
