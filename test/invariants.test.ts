import { describe, expect, it } from 'vitest';
import { ClusterInvariants } from '../harness/checker/invariants/cluster-invariants.js';
import { INVARIANT_RULES } from '../harness/checker/invariants/rules.js';
import type { Violation } from '../harness/checker/violation.js';
import type { Entry, Header, TraceEvent } from '../src/trace/schema.js';

const header: Header = { kind: 'header', format: 'raftcheck-trace', version: 1, nodes: ['n1', 'n2', 'n3'], producer: { name: 'test', version: '1' } };

/** Builds node events with increasing seq; `line` is 1-based with the header at line 1. */
function run(events: Array<Record<string, unknown>>, enabled?: string[]): Violation[] {
  const found: Violation[] = [];
  const checker = new ClusterInvariants(header, (v) => found.push(v), enabled ? { enabled: new Set(enabled) } : {});
  events.forEach((e, i) => checker.event({ seq: i, time: i, ...e } as unknown as TraceEvent, i + 2));
  return found;
}

const set = (term: number, value: number): Entry => ({ term, command: { type: 'set', value } });
const lead = (node: string, term: number) => [
  { kind: 'term', node, term },
  { kind: 'role', node, role: 'candidate' },
  { kind: 'vote', node, votedFor: node },
  { kind: 'role', node, role: 'leader' },
];

describe('cluster invariants', () => {
  it('every rule has an id, a statement and a paper reference', () => {
    for (const r of INVARIANT_RULES) {
      expect(r.id).toMatch(/^[a-z-]+$/);
      expect(r.statement.length).toBeGreaterThan(20);
      expect(r.paper).toMatch(/§|Figure/);
    }
  });

  it('a clean election, replication and commit raises nothing', () => {
    const v = run([
      ...lead('n1', 1),
      { kind: 'term', node: 'n2', term: 1 }, { kind: 'vote', node: 'n2', votedFor: 'n1' },
      { kind: 'append', node: 'n1', index: 1, entries: [set(1, 5)] },
      { kind: 'append', node: 'n2', index: 1, entries: [set(1, 5)] },
      { kind: 'commit', node: 'n1', commitIndex: 1 },
      { kind: 'apply', node: 'n1', index: 1, command: set(1, 5).command },
      { kind: 'commit', node: 'n2', commitIndex: 1 },
      { kind: 'apply', node: 'n2', index: 1, command: set(1, 5).command },
      // a new leader in term 2 that has the committed entry
      { kind: 'term', node: 'n2', term: 2 }, { kind: 'role', node: 'n2', role: 'candidate' }, { kind: 'vote', node: 'n2', votedFor: 'n2' }, { kind: 'role', node: 'n2', role: 'leader' },
    ]);
    expect(v).toEqual([]);
  });

  it('election-safety: two leaders in one term', () => {
    const v = run([...lead('n1', 1), ...lead('n2', 1)]);
    expect(v.map((x) => [x.rule, x.line])).toEqual([['election-safety', 9]]);
    expect(v[0]!.message).toMatch(/two leaders in term 1: n1 \(line 5\) and n2/);
  });

  it('acknowledged-durable: a restart must recover what the node acknowledged and kept', () => {
    const ack = (matchIndex: number) => ({ kind: 'send', node: 'n2', msg: { id: `a${matchIndex}`, type: 'AppendEntriesResponse', from: 'n2', to: 'n1', term: 1, success: true, matchIndex } });
    const before = [
      { kind: 'term', node: 'n2', term: 1 },
      { kind: 'append', node: 'n2', index: 1, entries: [set(1, 5), set(1, 6)] },
      ack(2),
      { kind: 'crash', node: 'n2' },
    ];
    const restart = (log: Entry[]) => ({ kind: 'restart', node: 'n2', persisted: { term: 1, votedFor: null, log } });
    // Lost: a shorter log, or the same length with other entries.
    const lost = run([...before, restart([set(1, 5)])]);
    expect(lost.map((x) => [x.rule, x.line])).toEqual([['acknowledged-durable', 6]]);
    expect(lost[0]!.message).toBe('n2 restarted with a log of 1 entries, but it had acknowledged entries 1..2 (line 4), which it must have stored before answering');
    expect(run([...before, restart([set(1, 5), set(2, 7)])]).map((x) => x.rule)).toEqual(['acknowledged-durable']);
    // Kept, or deleted before the crash (a truncation takes the acknowledgement back): fine.
    expect(run([...before, restart([set(1, 5), set(1, 6)])])).toEqual([]);
    const truncated = [...before.slice(0, 3), { kind: 'truncate', node: 'n2', fromIndex: 2 }, { kind: 'crash', node: 'n2' }];
    expect(run([...truncated, restart([set(1, 5)])])).toEqual([]);
    const overwritten = [...before.slice(0, 3), { kind: 'append', node: 'n2', index: 2, entries: [set(2, 9)] }, { kind: 'crash', node: 'n2' }];
    expect(run([...overwritten, restart([set(1, 5)])])).toEqual([]); // index 2 was replaced: only index 1 stays acknowledged
    expect(run([...overwritten, restart([])]).map((x) => x.rule)).toEqual(['acknowledged-durable']);
    // An append that keeps index 1 but ends there replaces index 2 too.
    const shortened = [...before.slice(0, 3), { kind: 'append', node: 'n2', index: 1, entries: [set(1, 5)] }, { kind: 'crash', node: 'n2' }];
    expect(run([...shortened, restart([set(1, 5)])])).toEqual([]);
    expect(run([...shortened, restart([])]).map((x) => x.rule)).toEqual(['acknowledged-durable']);
    // Lost committed entries are reported as committed-durable, once.
    const committed = run([...before.slice(0, 3), { kind: 'commit', node: 'n2', commitIndex: 2 }, { kind: 'crash', node: 'n2' }, restart([])]);
    expect(committed.map((x) => x.rule)).toEqual(['committed-durable']);
  });

  it('vote-once: two votes in one term, and a restart that forgets the vote', () => {
    expect(run([{ kind: 'term', node: 'n3', term: 2 }, { kind: 'vote', node: 'n3', votedFor: 'n1' }, { kind: 'vote', node: 'n3', votedFor: 'n2' }]).map((x) => [x.rule, x.line])).toEqual([['vote-once', 4]]);
    const v = run([
      { kind: 'term', node: 'n3', term: 2 }, { kind: 'vote', node: 'n3', votedFor: 'n1' },
      { kind: 'crash', node: 'n3' }, { kind: 'restart', node: 'n3', persisted: { term: 2, votedFor: null, log: [] } },
    ]);
    expect(v.map((x) => [x.rule, x.line])).toEqual([['vote-once', 5]]);
  });

  it('term-monotonic: a term going back, also through a restart', () => {
    expect(run([{ kind: 'term', node: 'n1', term: 3 }, { kind: 'term', node: 'n1', term: 2 }])[0]!.rule).toBe('term-monotonic');
    expect(run([{ kind: 'term', node: 'n1', term: 3 }, { kind: 'crash', node: 'n1' }, { kind: 'restart', node: 'n1', persisted: { term: 1, votedFor: null, log: [] } }])[0]!.rule).toBe('term-monotonic');
  });

  it('commit-monotonic: commitIndex going back without a restart, but not across one', () => {
    const base = [...lead('n1', 1), { kind: 'append', node: 'n1', index: 1, entries: [set(1, 1)] }, { kind: 'commit', node: 'n1', commitIndex: 1 }];
    expect(run([...base, { kind: 'commit', node: 'n1', commitIndex: 0 }]).map((x) => x.rule)).toEqual(['commit-monotonic']);
    expect(run([...base, { kind: 'crash', node: 'n1' }, { kind: 'restart', node: 'n1', persisted: { term: 1, votedFor: 'n1', log: [set(1, 1)] } }])).toEqual([]);
  });

  it('commit-current-term: a leader committing an old-term entry by counting (Figure 8)', () => {
    const v = run([
      ...lead('n1', 1), { kind: 'append', node: 'n1', index: 1, entries: [set(1, 1)] },
      { kind: 'term', node: 'n1', term: 3 }, { kind: 'role', node: 'n1', role: 'candidate' }, { kind: 'vote', node: 'n1', votedFor: 'n1' }, { kind: 'role', node: 'n1', role: 'leader' },
      { kind: 'commit', node: 'n1', commitIndex: 1 },
    ]);
    expect(v.map((x) => [x.rule, x.line])).toEqual([['commit-current-term', 11]]);
  });

  it('leader-append-only: a leader truncating its own log', () => {
    const v = run([...lead('n1', 1), { kind: 'append', node: 'n1', index: 1, entries: [set(1, 1), set(1, 2)] }, { kind: 'truncate', node: 'n1', fromIndex: 2 }]);
    expect(v.map((x) => [x.rule, x.line])).toEqual([['leader-append-only', 7]]);
  });

  it('log-matching: same index and term, different prefixes', () => {
    const v = run([
      { kind: 'append', node: 'n1', index: 1, entries: [set(1, 1), set(2, 2)] },
      { kind: 'append', node: 'n2', index: 1, entries: [set(1, 9), set(2, 2)] },
    ]);
    expect(v.map((x) => [x.rule, x.line])).toEqual([['log-matching', 3]]);
  });

  it('committed-durable: a follower deleting a committed entry, and a restart losing one', () => {
    const committed = [
      ...lead('n1', 1),
      { kind: 'append', node: 'n1', index: 1, entries: [set(1, 1)] },
      { kind: 'append', node: 'n2', index: 1, entries: [set(1, 1)] },
      { kind: 'commit', node: 'n1', commitIndex: 1 },
    ];
    expect(run([...committed, { kind: 'truncate', node: 'n2', fromIndex: 1 }]).map((x) => [x.rule, x.line])).toEqual([['committed-durable', 9]]);
    expect(run([...committed, { kind: 'crash', node: 'n2' }, { kind: 'restart', node: 'n2', persisted: { term: 0, votedFor: null, log: [] } }]).map((x) => x.rule)).toEqual(['committed-durable']);
    // Deleting an uncommitted entry is fine.
    expect(run([{ kind: 'append', node: 'n2', index: 1, entries: [set(1, 1)] }, { kind: 'truncate', node: 'n2', fromIndex: 1 }])).toEqual([]);
  });

  it('leader-completeness: a leader missing an entry committed in an earlier term', () => {
    const v = run([
      ...lead('n1', 1),
      { kind: 'append', node: 'n1', index: 1, entries: [set(1, 1)] },
      { kind: 'append', node: 'n2', index: 1, entries: [set(1, 1)] },
      { kind: 'commit', node: 'n1', commitIndex: 1 },
      { kind: 'append', node: 'n3', index: 1, entries: [] },
      ...lead('n3', 2),
    ]);
    expect(v.map((x) => x.rule)).toEqual(['leader-completeness']);
  });

  it('state-machine-safety: different commands applied at one index, and applying before commit', () => {
    const v = run([
      { kind: 'append', node: 'n1', index: 1, entries: [set(1, 1)] }, { kind: 'commit', node: 'n1', commitIndex: 1 },
      { kind: 'apply', node: 'n1', index: 1, command: set(1, 1).command },
      { kind: 'append', node: 'n2', index: 1, entries: [set(1, 1)] }, { kind: 'commit', node: 'n2', commitIndex: 1 },
      { kind: 'apply', node: 'n2', index: 1, command: set(1, 7).command },
    ]);
    expect(v.map((x) => [x.rule, x.line])).toEqual([['state-machine-safety', 7]]);
    const beyondCommit = run([
      { kind: 'append', node: 'n1', index: 1, entries: [set(1, 1), set(1, 2)] }, { kind: 'commit', node: 'n1', commitIndex: 1 },
      { kind: 'apply', node: 'n1', index: 1, command: set(1, 1).command }, { kind: 'apply', node: 'n1', index: 2, command: set(1, 2).command },
    ]);
    expect(beyondCommit.map((x) => [x.rule, x.line, x.message])).toEqual([['state-machine-safety', 5, 'n1 applied the entry at index 2 while its commitIndex is 1']]);
    // A commitIndex learnt from a logged state counts as much as a commit event.
    expect(run([{ kind: 'apply', node: 'n1', index: 1, command: set(1, 1).command, state: { commitIndex: 0 } }, { kind: 'apply', node: 'n1', index: 2, command: set(1, 2).command }]).map((x) => x.line)).toEqual([3]);
  });

  it('state-machine-safety: a node whose commitIndex the trace never logs is not held to 0', () => {
    // A producer that logs only applies (each node's state machine): "applied only up to
    // commitIndex" is unconstrained for it, while order and agreement across nodes still hold.
    const applies = (commands: Array<[string, number, number]>) => run(commands.map(([node, index, value]) => ({ kind: 'apply', node, index, command: set(1, value).command })));
    expect(applies([['n1', 1, 5], ['n2', 1, 5], ['n1', 2, 6]])).toEqual([]);
    expect(applies([['n1', 1, 5], ['n2', 1, 6]]).map((x) => [x.rule, x.line])).toEqual([['state-machine-safety', 3]]);
    expect(applies([['n1', 2, 5]]).map((x) => x.message)).toEqual(['n1 applied index 2 out of order (last applied: 0)']);
  });

  it('reads facts from logged post-states too, and honours the rule selection', () => {
    const v = run([
      { kind: 'timeout', node: 'n1', timer: 'election', state: { role: 'leader', term: 4 } },
      { kind: 'timeout', node: 'n2', timer: 'election', state: { role: 'leader', term: 4 } },
    ]);
    expect(v.map((x) => x.rule)).toEqual(['election-safety']);
    expect(run([...lead('n1', 1), ...lead('n2', 1)], ['vote-once'])).toEqual([]);
  });
});
