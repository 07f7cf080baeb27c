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

describe('prevote.majority judges the election of the term the trace shows it is for', () => {
  // sparsification-property found it on near-miss-prevote-and-transfer.jsonl: a node that does
  // not log its term changes (and whose vote has no state) showed a term that lagged its own, and
  // its election was judged as one "for term 0" (or, after a TimeoutNow, for the leader's term).
  const messages = (lines: readonly unknown[]) => {
    const v = new TraceValidation({ maxErrors: 5 });
    lines.forEach((l, i) => v.line(l as TraceLine, i + 1));
    return v.finish('sparse', { lines: lines.length, bytes: 0 }).errors.filter((e) => e.rule.startsWith('prevote')).map(({ rule, line, message }) => ({ rule, line, message }));
  };
  /** n1's pre-vote round for term 1 (granted by n2 when `granted`), then its election, its term change logged or not. */
  function election(granted: boolean, logTerm: boolean, voteState: boolean) {
    seq = 0;
    const pv = msg('n1-1', 'n1', 'n2', { type: 'PreVote', term: 1, candidateId: 'n1', lastLogIndex: 0, lastLogTerm: 0 });
    const grant = msg('n2-2', 'n2', 'n1', { type: 'PreVoteResponse', term: 1, voteGranted: true });
    return [
      header(['prevote']),
      ev('n1', 10, { kind: 'timeout', timer: 'election' }),
      ev('n1', 10, { kind: 'role', role: 'precandidate' }),
      ev('n1', 10, { kind: 'send', msg: pv }),
      ev('n2', 12, { kind: 'receive', msg: pv }),
      ev('n2', 12, { kind: 'send', msg: grant }),
      ...(granted ? [ev('n1', 14, { kind: 'receive', msg: grant })] : [ev('n1', 300, { kind: 'timeout', timer: 'election' })]),
      ev('n1', 14, { kind: 'role', role: 'candidate' }),
      ...(logTerm ? [ev('n1', 14, { kind: 'term', term: 1 })] : []),
      ev('n1', 14, { kind: 'vote', votedFor: 'n1', ...(voteState ? { state: { term: 1 } } : {}) }),
      ev('n1', 14, { kind: 'send', msg: msg('n1-3', 'n1', 'n2', { type: 'RequestVote', term: 1, candidateId: 'n1', lastLogIndex: 0, lastLogTerm: 0 }) }),
    ];
  }

  it('a node that logs neither its term changes nor its vote\'s state: its RequestVote shows the term, and the pre-votes for it count', () => {
    expect(messages(election(true, false, false))).toEqual([]);
  });

  it('without the pre-votes it is still an election without a majority, for the right term, however the term is shown', () => {
    const fault = (line: number) => ({ rule: 'prevote.majority', line, message: 'n1 started an election for term 1 with 1 pre-vote for it (its own included), short of a majority of 2' });
    expect(messages(election(false, false, false))).toEqual([fault(10)]); // at its RequestVote
    expect(messages(election(false, true, false))).toEqual([fault(10)]); // at its vote, after its term change
    expect(messages(election(false, false, true))).toEqual([fault(9)]); // at its vote, which shows the term
    for (const [logTerm, voteState] of [[true, false], [false, true]] as const) expect(messages(election(true, logTerm, voteState))).toEqual([]);
  });

  it('a leader transfer\'s target whose term change is not logged: its election is for the term after the TimeoutNow\'s', () => {
    seq = 0;
    const tn = msg('n1-7', 'n1', 'n2', { type: 'TimeoutNow', term: 1 });
    const lines = [
      header(['prevote', 'transfer']),
      ev('n1', 260, { kind: 'send', msg: tn }),
      ev('n2', 262, { kind: 'receive', msg: tn, state: { term: 1 } }),
      ev('n2', 262, { kind: 'role', role: 'candidate', state: { term: 1 } }),
      ev('n2', 262, { kind: 'vote', votedFor: 'n2' }),
      ev('n2', 262, { kind: 'send', msg: msg('n2-8', 'n2', 'n1', { type: 'RequestVote', term: 2, candidateId: 'n2', lastLogIndex: 0, lastLogTerm: 0, leadershipTransfer: true }) }),
    ];
    expect(messages(lines)).toEqual([]);
  });
});

describe('a term change\'s state shows the role before the step-down that follows it', () => {
  // sparsification-property found it on near-miss-checkquorum.jsonl: n1, leader of term 1, adopts
  // term 2 from a response; its `term` event's state still says leader (the reference logs the
  // term, then the role), its `role follower` is left out, and it grants a vote in term 2 at once.
  function trace(logStepDown: boolean) {
    seq = 0;
    const aer = msg('n3-5', 'n3', 'n1', { type: 'AppendEntriesResponse', term: 2, success: false });
    const rv = msg('n2-9', 'n2', 'n1', { type: 'RequestVote', term: 2, candidateId: 'n2', lastLogIndex: 0, lastLogTerm: 0 });
    return [
      header(['checkquorum']),
      ev('n1', 10, { kind: 'role', role: 'leader', state: { role: 'leader', term: 1 } }),
      ev('n3', 20, { kind: 'send', msg: aer }),
      ev('n1', 21, { kind: 'receive', msg: aer, state: { role: 'leader', term: 1 } }),
      ev('n1', 21, { kind: 'term', term: 2, state: { role: 'leader', term: 2 } }),
      ...(logStepDown ? [ev('n1', 21, { kind: 'role', role: 'follower', state: { role: 'follower', term: 2 } })] : []),
      ev('n2', 400, { kind: 'send', msg: rv }),
      ev('n1', 402, { kind: 'receive', msg: rv, state: { term: 2 } }),
      ev('n1', 402, { kind: 'send', msg: msg('n1-1', 'n1', 'n2', { type: 'RequestVoteResponse', term: 2, voteGranted: true }) }),
    ];
  }
  it('checkquorum.lease: the former leader may grant its vote in the new term, its step-down logged or not', () => {
    const feature = (e: { rule: string }) => e.rule.startsWith('checkquorum');
    expect(errors(trace(true)).filter(feature)).toEqual([]);
    expect(errors(trace(false)).filter(feature)).toEqual([]);
  });
});
