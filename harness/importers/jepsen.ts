/**
 * Importer for Jepsen register histories as logged by `jepsen.util` (the etcd histories that
 * Porcupine ships): one `process type function value` line per event.
 *
 *   INFO  jepsen.util - 3	:invoke	:cas	[1 2]
 *   INFO  jepsen.util - 3	:fail	:cas	[1 2]
 *
 * Mapping onto our history (history.ts): an invoke is matched to the next completion of the
 * same process, which must repeat the invoked value (`:info` aside: it carries `:timed-out`).
 * - `:ok` took effect between invoke and completion;
 * - `:fail` did not take effect: a failed write or read leaves the history (a read has no
 *   effect, and a timed-out one, `:fail :read :timed-out`, saw nothing). The one exception is
 *   `:fail :cas [A B]`: the etcd client reports a compare that did not match that way, so it
 *   is an observation (the register did not hold A), as Porcupine's etcd model reads it;
 * - `:info`, or no completion at all, is an unknown outcome: it may take effect at any time
 *   after its invoke, or never.
 * Time is the line number.
 */
import type { Operation, RegisterState } from '../../src/trace/schema.js';
import type { HistoryOp, Outcome } from '../checker/linearizability/history.js';

/** A line that is not a Jepsen history event. */
export class JepsenFormatError extends Error {
  constructor(readonly line: number, readonly field: string, message: string) {
    super(message);
    this.name = 'JepsenFormatError';
  }
}

const LINE = /^INFO\s+jepsen\.util\s+-\s+(\S+)\s+:(\S+)\s+:(\S+)(?:\s+(.*?))?\s*$/;

function parseValue(raw: string, line: number): RegisterState {
  if (raw === 'nil') return null;
  if (!/^-?\d+$/.test(raw)) throw new JepsenFormatError(line, 'value', `expected an integer or nil, got '${raw}'`);
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw new JepsenFormatError(line, 'value', `integer out of range: ${raw}`);
  return n;
}

function parseCasPair(raw: string, line: number): [RegisterState, RegisterState] {
  const m = /^\[\s*(\S+)\s+(\S+)\s*\]$/.exec(raw);
  if (!m) throw new JepsenFormatError(line, 'value', `expected [expected new] for :cas, got '${raw}'`);
  return [parseValue(m[1]!, line), parseValue(m[2]!, line)];
}

function parseOperation(fn: string, raw: string, line: number): Operation {
  if (fn === 'read') return { type: 'get' };
  if (fn === 'write') {
    const value = parseValue(raw, line);
    if (value === null) throw new JepsenFormatError(line, 'value', 'cannot write nil');
    return { type: 'set', value };
  }
  if (fn === 'cas') {
    const [expected, value] = parseCasPair(raw, line);
    if (value === null) throw new JepsenFormatError(line, 'value', 'cannot cas to nil');
    return { type: 'cas', expected, value };
  }
  throw new JepsenFormatError(line, 'function', `unknown function ':${fn}' (expected :read, :write or :cas)`);
}

interface Open {
  client: string;
  op: Operation;
  fn: string;
  call: number;
}

/** A completion that repeats another value than its invocation's belongs to another operation. */
function expectSameValue(pending: Open, raw: string, line: number): void {
  const op = pending.op;
  const same =
    op.type === 'set' ? parseValue(raw, line) === op.value : op.type === 'cas' ? ((p) => p[0] === op.expected && p[1] === op.value)(parseCasPair(raw, line)) : true;
  if (!same) throw new JepsenFormatError(line, 'value', `'${raw}' does not repeat the value of the invocation on line ${pending.call}`);
}

export function parseJepsenHistory(text: string): HistoryOp[] {
  const open = new Map<string, Open>();
  const done: Array<Omit<HistoryOp, 'id'>> = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/); // a byte order mark is not part of line 1
  lines.forEach((content, index) => {
    const line = index + 1;
    if (content.trim() === '') return;
    const m = LINE.exec(content);
    if (!m) throw new JepsenFormatError(line, 'line', "not a Jepsen history line ('INFO  jepsen.util - <process> :<type> :<function> <value>')");
    const [, client, type, fn, rawValue = ''] = m as unknown as [string, string, string, string, string | undefined];
    if (!/^\d+$/.test(client)) throw new JepsenFormatError(line, 'process', `expected a process number, got '${client}'`);
    if (type === 'invoke') {
      if (open.has(client)) throw new JepsenFormatError(line, 'process', `process ${client} invokes while its operation from line ${open.get(client)!.call} is still open`);
      open.set(client, { client, op: parseOperation(fn, rawValue, line), fn, call: line });
      return;
    }
    const pending = open.get(client);
    if (!pending) throw new JepsenFormatError(line, 'process', `:${type} for process ${client}, which has no open invocation`);
    if (pending.fn !== fn) throw new JepsenFormatError(line, 'function', `:${fn} completes a :${pending.fn} invocation (line ${pending.call})`);
    open.delete(client);
    const base = { client, op: pending.op, call: pending.call, callLine: pending.call };
    let outcome: Outcome;
    if (type === 'ok') {
      if (fn !== 'read') expectSameValue(pending, rawValue, line);
      outcome = fn === 'read' ? { status: 'ok', value: parseValue(rawValue, line) } : { status: 'ok' };
    } else if (type === 'fail') {
      if (fn !== 'cas') return; // did not take effect: a failed write or read constrains nothing
      expectSameValue(pending, rawValue, line);
      outcome = { status: 'cas_failed' };
    } else if (type === 'info') {
      done.push({ ...base, outcome: { status: 'unknown' }, ret: Infinity });
      return;
    } else {
      throw new JepsenFormatError(line, 'type', `unknown type ':${type}' (expected :invoke, :ok, :fail or :info)`);
    }
    done.push({ ...base, outcome, ret: line, retLine: line });
  });
  // Invocations never completed: unknown outcome.
  for (const p of open.values()) done.push({ client: p.client, op: p.op, call: p.call, callLine: p.call, outcome: { status: 'unknown' }, ret: Infinity });
  done.sort((a, b) => a.call - b.call);
  return done.map((h, id) => ({ id, ...h }));
}
