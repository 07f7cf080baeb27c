/**
 * Rule applied-value against a slow, obvious version of its statement: the register's value
 * after index i is one value v_i, the same on every node, with v_0 = null and, wherever the
 * command at i is known, (v_i, result_i) = applyCommand(v_{i-1}, command_i); every value and
 * result the trace reports (applies, states, answers) must fit. The slow version decides that
 * by brute force: the set of values each v_i can take, index by index, over every value the
 * trace mentions plus one it does not (values it never names are interchangeable).
 *
 * Random traces of applies, restarts, logged states and client answers, some of them wrong:
 * - where every node applies 1, 2, 3, ... since its (re)start (the traces state-machine-safety
 *   accepts), the checker must report exactly when the slow version finds no fit, first at the
 *   first event after which there is none;
 * - where nodes skip applies (sparse traces), whatever the checker reports must be a real
 *   misfit (no false alarm); it may see less.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClusterInvariants } from '../harness/checker/invariants/cluster-invariants.js';
import type { Violation } from '../harness/checker/violation.js';
import { applyCommand, INITIAL_VALUE } from '../src/raft/register.js';
import type { Command, Header, RegisterState, TraceEvent } from '../src/trace/schema.js';
import { isClientCommand } from '../src/trace/schema.js';

const NODES = ['n1', 'n2', 'n3'];
const header: Header = { kind: 'header', format: 'raftcheck-trace', version: 1, nodes: NODES, producer: { name: 'test', version: '1' } };

type Mode = 'right' | 'wrong' | 'absent';
interface Action {
  node: number;
  kind: 'apply' | 'restart' | 'state' | 'answer';
  /** Entries skipped before this apply (sparse traces only). */
  skip: number;
  value: Mode;
  result: Mode;
  pick: number;
}

const registerValue = fc.constantFrom(1, 2, 3);
const commandArb: fc.Arbitrary<Command> = fc.oneof(
  registerValue.map((value): Command => ({ type: 'set', value })),
  fc.constant<Command>({ type: 'get' }),
  fc.record({ expected: fc.constantFrom<RegisterState>(null, 1, 2, 3), value: registerValue }).map((c): Command => ({ type: 'cas', ...c })),
  fc.constant<Command>({ type: 'noop' }),
);
const mode = fc.constantFrom<Mode>('right', 'right', 'right', 'right', 'absent', 'wrong');
const actionArb: fc.Arbitrary<Action> = fc.record({
  node: fc.nat(NODES.length - 1),
  kind: fc.constantFrom<Action['kind']>('apply', 'apply', 'apply', 'apply', 'restart', 'state', 'answer'),
  skip: fc.constantFrom(0, 0, 1, 2),
  value: mode,
  result: mode,
  pick: fc.nat(),
});

/** A value other than `v` (deterministic). */
const other = (v: RegisterState): RegisterState => (typeof v === 'number' && v < 4 ? v + 1 : v === null ? 1 : null);

/** The trace: node events, with the client fields that tie answers to applies. */
function buildTrace(commands: Command[], actions: Action[], sparse: boolean): Array<Record<string, unknown>> {
  const tagged = commands.map((c, k): Command => (!isClientCommand(c) ? c : { ...c, client: `c${k + 1}`, requestId: k + 1 }));
  const truth: Array<{ value: RegisterState; result: 'ok' | 'cas_failed' }> = [{ value: INITIAL_VALUE, result: 'ok' }];
  for (const c of tagged) truth.push(applyCommand(truth.at(-1)!.value, c));
  const applied = NODES.map(() => 0);
  const requests: number[][] = NODES.map(() => []);
  const events: Array<Record<string, unknown>> = [];
  for (const a of actions) {
    const node = NODES[a.node]!;
    if (a.kind === 'restart') {
      events.push({ kind: 'crash', node }, { kind: 'restart', node });
      applied[a.node] = 0;
      requests[a.node] = [];
    } else if (a.kind === 'apply') {
      const index = applied[a.node]! + 1 + (sparse ? a.skip : 0);
      if (index > tagged.length) continue;
      applied[a.node] = index;
      const command = tagged[index - 1]!;
      if (isClientCommand(command)) requests[a.node]!.push(index);
      const t = truth[index]!;
      events.push({
        kind: 'apply', node, index, command,
        ...(a.value === 'absent' ? {} : { value: a.value === 'right' ? t.value : other(t.value) }),
        ...(a.result === 'absent' ? {} : { result: a.result === 'right' ? t.result : t.result === 'ok' ? 'cas_failed' : 'ok' }),
      });
    } else if (a.kind === 'state') {
      const lastApplied = applied[a.node]!;
      const v = truth[lastApplied]!.value;
      events.push({ kind: 'timeout', node, timer: 'heartbeat', state: { lastApplied, value: a.value === 'wrong' ? other(v) : v } });
    } else {
      const mine = requests[a.node]!;
      if (mine.length === 0) continue;
      const index = mine[a.pick % mine.length]!;
      const command = tagged[index - 1]!;
      if (!isClientCommand(command)) continue;
      const t = truth[index]!;
      const status = a.result === 'wrong' ? (t.result === 'ok' ? 'cas_failed' : 'ok') : t.result;
      const value = command.type === 'get' && status === 'ok' && a.value !== 'absent' ? { value: a.value === 'right' ? t.value : other(t.value) } : {};
      events.push({ kind: 'client_response', node, client: command.client, requestId: command.requestId, result: { status, ...value } });
    }
  }
  return events.map((e, i) => ({ seq: i, time: i, ...e }));
}

/** The checker's applied-value violations (lines: 2 + event position). */
function check(events: Array<Record<string, unknown>>): Violation[] {
  const found: Violation[] = [];
  const checker = new ClusterInvariants(header, (v) => found.push(v), { enabled: new Set(['applied-value']) });
  events.forEach((e, i) => checker.event(e as unknown as TraceEvent, i + 2));
  return found;
}

/** The slow version: does some v_0 .. v_n fit every fact of `events`? */
function fits(events: Array<Record<string, unknown>>): boolean {
  const command = new Map<number, Command>();
  const values = new Map<number, Set<RegisterState>>();
  const results = new Map<number, Set<string>>();
  const add = <T>(m: Map<number, Set<T>>, i: number, x: T) => (m.get(i) ?? m.set(i, new Set()).get(i)!).add(x);
  // Which index an answer is about: the last apply of that request by the answering node.
  const lastApply = new Map<string, number>();
  for (const e of events) {
    if (e.kind === 'restart') for (const k of [...lastApply.keys()]) if (k.startsWith(`${e.node as string}|`)) lastApply.delete(k);
    if (e.kind === 'apply') {
      const c = e.command as Command;
      command.set(e.index as number, c);
      if ('value' in e) add(values, e.index as number, e.value as RegisterState);
      if ('result' in e) add(results, e.index as number, e.result as string);
      if (isClientCommand(c)) lastApply.set(`${e.node as string}|${c.client}#${c.requestId}`, e.index as number);
    }
    if (e.kind === 'timeout') {
      const s = e.state as { lastApplied: number; value: RegisterState };
      add(values, s.lastApplied, s.value);
    }
    if (e.kind === 'client_response') {
      const r = e.result as { status: string; value?: RegisterState };
      const i = lastApply.get(`${e.node as string}|${e.client as string}#${e.requestId as number}`);
      if (i === undefined) continue;
      add(results, i, r.status);
      if (r.value !== undefined) add(values, i, r.value);
    }
  }
  const last = Math.max(0, ...command.keys(), ...values.keys(), ...results.keys());
  const domain: RegisterState[] = [null, 1, 2, 3, 4, 'never named'];
  const allowed = (i: number, v: RegisterState) => [...(values.get(i) ?? [])].every((x) => x === v);
  let feasible = new Set<RegisterState>([INITIAL_VALUE].filter((v) => allowed(0, v)));
  for (let i = 1; i <= last; i++) {
    const c = command.get(i);
    const next = new Set<RegisterState>();
    for (const v of domain) {
      if (!allowed(i, v)) continue;
      // An index whose command no apply shows could hold anything (a set of any value).
      const possible = c === undefined
        ? feasible.size > 0
        : [...feasible].some((before) => {
          const r = applyCommand(before, c);
          return r.value === v && [...(results.get(i) ?? [])].every((x) => x === r.result);
        });
      if (possible) next.add(v);
    }
    feasible = next;
  }
  return feasible.size > 0;
}

/** The first event after which nothing fits (its line), or null. */
function firstMisfit(events: Array<Record<string, unknown>>): number | null {
  for (let k = 1; k <= events.length; k++) if (!fits(events.slice(0, k))) return k + 1;
  return null;
}

const traces = (sparse: boolean) => fc.record({ commands: fc.array(commandArb, { minLength: 1, maxLength: 5 }), actions: fc.array(actionArb, { maxLength: 24 }) }).map(({ commands, actions }) => buildTrace(commands, actions, sparse));

describe('applied-value against a brute-force reading of its statement', () => {
  it('where every node applies in order since its restart, reports exactly the traces nothing fits, first where the misfit starts', () => {
    let misfits = 0;
    fc.assert(
      fc.property(traces(false), (events) => {
        const first = firstMisfit(events);
        const found = check(events);
        if (first !== null) misfits++;
        expect(found[0]?.line ?? null).toBe(first);
      }),
      { seed: 12, numRuns: 400 },
    );
    expect(misfits, 'the generator makes both kinds').toBeGreaterThan(50);
  });

  it('in sparse traces (applies skipped), reports only real misfits', () => {
    let reported = 0;
    fc.assert(
      fc.property(traces(true), (events) => {
        for (const v of check(events)) {
          reported++;
          expect(fits(events.slice(0, v.line - 1)), `${v.message} (line ${v.line})`).toBe(false);
        }
      }),
      { seed: 13, numRuns: 400 },
    );
    expect(reported, 'the generator makes misfits the checker can see').toBeGreaterThan(50);
  });
});
