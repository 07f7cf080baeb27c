/**
 * Importer for Jepsen register histories as logged by `jepsen.util` (the etcd histories that
 * Porcupine ships): one `process type function value` line per event.
 *
 *   INFO  jepsen.util - 3	:invoke	:cas	[1 2]
 *   INFO  jepsen.util - 3	:fail	:cas	[1 2]
 *
 * Mapping onto our history: an invoke is matched to the next completion of the same process;
 * `:ok` took effect; `:fail :cas` applied with a compare mismatch; `:fail :write` took no effect
 * (dropped); `:fail :read :timed-out` and `:info` are unknown outcomes (a timed-out read
 * returns at its time-out; an `:info` write or cas may take effect at any later time, so it
 * never returns). Time is the line number.
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
    let ret = line;
    if (type === 'ok') {
      outcome = fn === 'read' ? { status: 'ok', value: parseValue(rawValue, line) } : { status: 'ok' };
    } else if (type === 'fail') {
      if (fn === 'read') outcome = { status: 'unknown' }; // a timed-out read constrains nothing
      else if (fn === 'cas') outcome = { status: 'cas_failed' };
      else return; // a failed write definitely did not happen
    } else if (type === 'info') {
      outcome = { status: 'unknown' };
      ret = Infinity;
    } else {
      throw new JepsenFormatError(line, 'type', `unknown type ':${type}' (expected :invoke, :ok, :fail or :info)`);
    }
    done.push({ ...base, outcome, ret, ...(ret === Infinity ? {} : { retLine: line }) });
  });
  // Invocations never completed: unknown outcome.
  for (const p of open.values()) done.push({ client: p.client, op: p.op, call: p.call, callLine: p.call, outcome: { status: 'unknown' }, ret: Infinity });
  done.sort((a, b) => a.call - b.call);
  return done.map((h, id) => ({ id, ...h }));
}
