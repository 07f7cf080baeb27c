/**
 * A client history: the operations clients invoked on the replicated register and how they
 * completed, as extracted from a trace or imported from another tool (Jepsen).
 */
import type { Command, Operation, RegisterState } from '../../../src/trace/schema.js';

/**
 * How an operation completed.
 * - `ok`: it took effect, once, between its call and its return (a get carries the value it
 *   read);
 * - `cas_failed`: a cas that took effect, once, between its call and its return, and whose
 *   compare did not match (no change); `value`, if given, is the value the compare saw;
 * - `unknown`: no answer the client could trust (a time-out, a crash): it took effect once, at
 *   any point after its call, even after its `ret` and after the history ends, or never. A
 *   time-out does not stop a request already on its way, so `ret` is no deadline.
 */
export type Outcome =
  | { status: 'ok'; value?: RegisterState }
  | { status: 'cas_failed'; value?: RegisterState }
  | { status: 'unknown' };

export interface HistoryOp {
  /** Position in the history, 0-based; stable in reports. */
  id: number;
  client: string;
  op: Operation;
  outcome: Outcome;
  /**
   * Ordering points (any numbers; equal times count as concurrent): an operation with a known
   * outcome took effect between call and ret, one with an unknown outcome after call.
   */
  call: number;
  /** When the client stopped waiting (≥ call); `Infinity` if it never did (no answer, no time-out). */
  ret: number;
  /** Where the invocation and the completion were seen (trace line numbers), for reports. */
  callLine?: number;
  retLine?: number;
}

/** `set 5`, `get`, `cas 3→5` (and `noop` for a log entry's command). */
export function describeOperation(op: Operation | Command): string {
  if (op.type === 'config') return `config voters {${op.voters.join(',')}}${op.learners.length ? ` learners {${op.learners.join(',')}}` : ''}`;
  return op.type === 'set' ? `set ${JSON.stringify(op.value)}` : op.type === 'cas' ? `cas ${JSON.stringify(op.expected)}→${JSON.stringify(op.value)}` : op.type;
}

export function describeOp(h: HistoryOp): string {
  const op = h.op;
  const what = describeOperation(op);
  const how =
    h.outcome.status === 'unknown'
      ? 'outcome unknown'
      : h.outcome.status === 'cas_failed'
        ? op.type === 'cas'
          ? `failed: compare did not match${h.outcome.value !== undefined ? ` (saw ${JSON.stringify(h.outcome.value)})` : ''}`
          : 'answered cas_failed'
        : op.type === 'get'
          ? `read ${JSON.stringify(h.outcome.value ?? null)}`
          : 'ok';
  const where = h.callLine !== undefined ? ` (line ${h.callLine}${h.retLine !== undefined ? `–${h.retLine}` : ''})` : '';
  return `client ${h.client}: ${what}, ${how}${where}`;
}
