/**
 * The feature rules on traces that leave out what spec/TRACE_FORMAT.md lets them leave out: a
 * node's role, term or append events, its receives, its election timeouts. Each case is a
 * false alarm test/sparsification-property.test.ts found on reference runs with features,
 * cut down to the events that matter; each is fixed at its root (the facts the rules read,
 * harness/checker/features/node-facts.ts, or conformance's hidden steps) and must stay quiet,
 * while the same trace with the role and term events logged still checks what they show.
 */
import { describe, expect, it } from 'vitest';
import { TraceValidation } from '../harness/validate/validate-file.js';
import type { TraceLine } from '../src/trace/schema.js';

function errors(lines: readonly unknown[]) {
  const v = new TraceValidation({ maxErrors: 5 });
  lines.forEach((l, i) => v.line(l as TraceLine, i + 1));
  return v.finish('sparse', { lines: lines.length, bytes: 0 }).errors.map(({ rule, line }) => ({ rule, line }));
}

const header = (features: string[], nodes = ['n1', 'n2', 'n3']) => ({ kind: 'header', format: 'raftcheck-trace', version: 1, minor: 1, nodes, producer: { name: 'hand', version: '1' }, features });
let seq = 0;
const ev = (node: string, time: number, e: Record<string, unknown>) => ({ node, seq: seq++, time, ...e });
const msg = (id: string, from: string, to: string, fields: Record<string, unknown>) => ({ id, from, to, ...fields });

describe('leadership ends with its term, whether or not the node logs its step-down', () => {
  /** n1 leads term 1 (its role logged once), learns of term 2 from a response, and at once grants n2's vote in term 2. */
  function trace(logStepDown: boolean) {
    seq = 0;
    const rv = msg('n2-9', 'n2', 'n1', { type: 'RequestVote', term: 2, candidateId: 'n2', lastLogIndex: 0, lastLogTerm: 0 });
    const aer = msg('n3-5', 'n3', 'n1', { type: 'AppendEntriesResponse', term: 2, success: false });
    return [
      header(['checkquorum']),
      ev('n1', 10, { kind: 'role', role: 'leader' }),
      ev('n3', 20, { kind: 'send', msg: aer }),
      ev('n1', 21, { kind: 'receive', msg: aer }),
      ...(logStepDown ? [ev('n1', 21, { kind: 'term', term: 2 }), ev('n1', 21, { kind: 'role', role: 'follower' })] : []),
      ev('n2', 22, { kind: 'send', msg: rv }),
      ev('n1', 23, { kind: 'receive', msg: rv }),
      ev('n1', 23, { kind: 'send', msg: msg('n1-1', 'n1', 'n2', { type: 'RequestVoteResponse', term: 2, voteGranted: true }) }),
    ];
  }
  it('checkquorum.lease: a former leader that adopted a higher term from a message grants votes again', () => {
    const feature = (e: { rule: string }) => e.rule.startsWith('checkquorum');
    expect(errors(trace(false)).filter(feature)).toEqual([]);
    expect(errors(trace(true)).filter(feature)).toEqual([]);
  });
  it('while it still leads its term it grants none (the rule still applies)', () => {
    seq = 0;
    const rv = msg('n2-9', 'n2', 'n1', { type: 'RequestVote', term: 2, candidateId: 'n2', lastLogIndex: 0, lastLogTerm: 0 });
    const lines = [
      header(['checkquorum']),
      ev('n1', 10, { kind: 'role', role: 'leader' }),
      ev('n2', 22, { kind: 'send', msg: rv }),
      ev('n1', 23, { kind: 'receive', msg: rv }),
      ev('n1', 23, { kind: 'send', msg: msg('n1-1', 'n1', 'n2', { type: 'RequestVoteResponse', term: 2, voteGranted: true }) }),
    ];
    expect(errors(lines)).toContainEqual({ rule: 'checkquorum.lease', line: 5 });
  });
});

describe('checkquorum.step-down needs the responses a leader received', () => {
  /** n1 leads term 1 and appends client commands for 1.2 s; whether it heard from its followers, only receives would show. */
  function trace(withReceives: boolean) {
    seq = 0;
    const aer = (id: string, from: string, time: number) => {
      const m = msg(id, from, 'n1', { type: 'AppendEntriesResponse', term: 1, success: true, matchIndex: 0 });
      return [ev(from, time, { kind: 'send', msg: m }), ev('n1', time + 1, { kind: 'receive', msg: m })];
    };
    const command = (requestId: number) => ({ type: 'set', value: requestId, client: 'c1', requestId });
    return [
      header(['checkquorum']),
      ev('n1', 10, { kind: 'role', role: 'leader' }),
      ev('n1', 10, { kind: 'term', term: 1 }),
      ...(withReceives ? [...aer('n2-1', 'n2', 600), ...aer('n3-1', 'n3', 600)] : []),
      ev('n1', 1200, { kind: 'append', index: 1, entries: [{ term: 1, command: command(1) }] }),
    ];
  }
  it('a leader whose trace logs no input or message is not judged (its receives are not logged)', () => {
    expect(errors(trace(false)).filter((e) => e.rule === 'checkquorum.step-down')).toEqual([]);
  });
  it('with its receives logged, it is: heard from a majority at 600 ms, still leading at 1200 ms is fine', () => {
    expect(errors(trace(true)).filter((e) => e.rule === 'checkquorum.step-down')).toEqual([]);
  });
});

describe('transfer.target-up-to-date needs both logs', () => {
  /** n1 leads with entry 1 and sends TimeoutNow to n2, which logs no appends (its log is unknown). */
  function trace(n2LogsAppends: boolean) {
    seq = 0;
    const entry = { term: 1, command: { type: 'set', value: 1, client: 'c1', requestId: 1 } };
    const tn = msg('n1-7', 'n1', 'n2', { type: 'TimeoutNow', term: 1 });
    return [
      header(['transfer']),
      ev('n1', 10, { kind: 'append', index: 1, entries: [entry] }),
      ...(n2LogsAppends ? [ev('n2', 11, { kind: 'truncate', fromIndex: 1 })] : []),
      ev('n1', 20, { kind: 'send', msg: tn }),
      ev('n2', 21, { kind: 'receive', msg: tn }),
    ];
  }
  it('a target that logs no appends is not judged: its log is unknown, not empty', () => {
    expect(errors(trace(false)).filter((e) => e.rule === 'transfer.target-up-to-date')).toEqual([]);
  });
  it('a target that logs them is (its empty log is behind the leader\'s entry 1)', () => {
    expect(errors(trace(true))).toContainEqual({ rule: 'transfer.target-up-to-date', line: 5 });
  });
});
