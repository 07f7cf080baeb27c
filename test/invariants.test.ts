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
    // An append of entries it already has (a duplicate AppendEntries, logged as the batch it
    // accepted) deletes nothing, not even what follows the batch (Figure 2, AppendEntries 3-4).
    const repeated = [...before.slice(0, 3), { kind: 'append', node: 'n2', index: 1, entries: [set(1, 5)] }, { kind: 'crash', node: 'n2' }];
    expect(run([...repeated, restart([set(1, 5), set(1, 6)])])).toEqual([]);
    expect(run([...repeated, restart([set(1, 5)])]).map((x) => x.rule)).toEqual(['acknowledged-durable']);
    // One that conflicts at index 1 deletes from there, what follows the batch included.
    const conflicting = [...before.slice(0, 3), { kind: 'append', node: 'n2', index: 1, entries: [set(2, 7)] }, { kind: 'crash', node: 'n2' }];
    expect(run([...conflicting, restart([set(2, 7)])])).toEqual([]);
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
    expect(v[0]!.message).toBe('n2 and n1 (line 2) both have an entry of term 1 at index 1, but their logs differ at or before it: entry 1 is term 1: set 9 on n2, term 1: set 1 on n1');
  });

  it('log-matching on one node over time: its log rewritten under an entry of the same term reads as one node, not "n2 and n2"', () => {
    const v = run([
      { kind: 'append', node: 'n2', index: 1, entries: [set(1, 1), set(2, 2)] },
      { kind: 'append', node: 'n2', index: 1, entries: [set(1, 9), set(2, 2)] },
    ]);
    expect(v.map((x) => [x.rule, x.line, x.message])).toEqual([['log-matching', 3, 'n2 has an entry of term 1 at index 1, as it had at line 2, but its log now differs from then at or before it']]);
  });

  it('state-machine-safety names the first entry where two committed logs differ', () => {
    const v = run([
      { kind: 'append', node: 'n1', index: 1, entries: [set(1, 1), set(1, 2)] }, { kind: 'commit', node: 'n1', commitIndex: 2 },
      { kind: 'append', node: 'n2', index: 1, entries: [set(1, 1), set(2, 3)] }, { kind: 'commit', node: 'n2', commitIndex: 2 },
    ], ['state-machine-safety']);
    expect(v.map((x) => x.message)).toEqual(['n2 committed up to index 2 a log that differs from the one n1 committed (line 3): entry 2 is term 2: set 3 on n2, term 1: set 2 on n1']);
  });

  it('committed-durable: a follower deleting a committed entry, and a restart losing one', () => {
    const committed = [
      ...lead('n1', 1),
      { kind: 'append', node: 'n1', index: 1, entries: [set(1, 1)] },
      { kind: 'append', node: 'n2', index: 1, entries: [set(1, 1)] },
      { kind: 'commit', node: 'n1', commitIndex: 1 },
    ];
    expect(run([...committed, { kind: 'truncate', node: 'n2', fromIndex: 1 }]).map((x) => [x.rule, x.line])).toEqual([['committed-durable', 9]]);
    // A restart may lose what the node had not stored yet: it acknowledged nothing, and the
    // entry is committed by others' copies (Figure 2: stored before answering, not before appending).
    const lose = [{ kind: 'crash', node: 'n2' }, { kind: 'restart', node: 'n2', persisted: { term: 1, votedFor: null, log: [] } }];
    expect(run([...committed, ...lose])).toEqual([]);
    // Acknowledged, it was stored: losing it loses a committed entry.
    const ack = { kind: 'send', node: 'n2', msg: { id: 'a1', type: 'AppendEntriesResponse', from: 'n2', to: 'n1', term: 1, success: true, matchIndex: 1 } };
    expect(run([...committed.slice(0, -1), ack, committed.at(-1)!, ...lose]).map((x) => [x.rule, x.line])).toEqual([['committed-durable', 11]]);
    // Recovered by an earlier restart, it was stored too.
    const stored = [...committed, { kind: 'crash', node: 'n2' }, { kind: 'restart', node: 'n2', persisted: { term: 1, votedFor: null, log: [set(1, 1)] } }];
    expect(run([...stored, ...lose]).map((x) => [x.rule, x.message])).toEqual([['committed-durable', 'n2 restarted with a log of 0 entries: it had 1, and lost the committed entry 1, which it had stored (recovered at the restart on line 10; committed up to index 1 by n1, line 8)']]);
    // Deleting an uncommitted entry is fine.
    expect(run([{ kind: 'append', node: 'n2', index: 1, entries: [set(1, 1)] }, { kind: 'truncate', node: 'n2', fromIndex: 1 }])).toEqual([]);
  });

  it('committed-durable: a restart that loses entries on a node whose log changes are not logged says nothing', () => {
    // n2 logs no append or truncate: its log between two restarts is unknown (it may have
    // replaced uncommitted entries), so two recovered logs are not compared.
    const restart = (log: Entry[]) => [{ kind: 'crash', node: 'n2' }, { kind: 'restart', node: 'n2', persisted: { term: 1, votedFor: null, log } }];
    const ack = { kind: 'send', node: 'n2', msg: { id: 'a2', type: 'AppendEntriesResponse', from: 'n2', to: 'n1', term: 1, success: true, matchIndex: 2 } };
    expect(run([...restart([set(1, 1), set(1, 2)]), ack, ...restart([set(1, 1), set(2, 3)])])).toEqual([]);
    // Once it logs them, they are compared.
    expect(run([...restart([set(1, 1), set(1, 2)]), { kind: 'append', node: 'n2', index: 3, entries: [set(1, 3)] }, ack, ...restart([set(1, 1), set(2, 3)])]).map((x) => x.rule)).toEqual(['acknowledged-durable']);
  });

  it('committed-durable says which committed entry went, and what replaced it', () => {
    // Five committed entries on n2; a restart recovers five, one of them changed.
    const five = [1, 2, 3, 4, 5].map((v) => set(1, v));
    const acked = { kind: 'send', node: 'n2', msg: { id: 'a5', type: 'AppendEntriesResponse', from: 'n2', to: 'n1', term: 1, success: true, matchIndex: 5 } };
    const committed = [
      ...lead('n1', 1),
      { kind: 'append', node: 'n1', index: 1, entries: five }, { kind: 'append', node: 'n2', index: 1, entries: five }, acked,
      { kind: 'commit', node: 'n1', commitIndex: 5 }, { kind: 'crash', node: 'n2' },
    ];
    const restart = (log: Entry[]) => ({ kind: 'restart', node: 'n2', persisted: { term: 1, votedFor: null, log } });
    // (n2's entry 5, of term 1 like n1's, now follows another prefix: log-matching breaks too.)
    const changed = run([...committed, restart([...five.slice(0, 3), set(2, 9), five[4]!])], ['committed-durable']);
    expect(changed.map((x) => [x.rule, x.message, x.expected, x.seen])).toEqual([[
      'committed-durable', 'n2 restarted with its committed entry 4 changed: term 1: set 4 became term 2: set 9 (committed up to index 5 by n1, line 9; stored: acknowledged on line 8)',
      'entry 4: term 1: set 4', 'entry 4: term 2: set 9',
    ]]);
    expect(run([...committed, restart(five.slice(0, 2))])[0]!.message).toBe('n2 restarted with a log of 2 entries: it had 5, and lost the committed entries 3..5, which it had stored (acknowledged on line 8; committed up to index 5 by n1, line 9)');
    // Deleting and overwriting say which entry too.
    expect(run([...committed.slice(0, -1), { kind: 'truncate', node: 'n2', fromIndex: 5 }])[0]!.message).toBe('n2 deleted the committed entry at index 5: term 1: set 5 deleted (committed up to index 5 by n1, line 9)');
    expect(run([...committed.slice(0, -1), { kind: 'append', node: 'n2', index: 2, entries: [set(1, 2), set(3, 7)] }])[0]!.message)
      .toBe('n2 overwrote the committed entry at index 3: term 1: set 3 became term 3: set 7 (committed up to index 5 by n1, line 9)');
    // Writing an entry again as it was deletes nothing: no alarm (a leader may log it too),
    // even where the batch is shorter than the log (a duplicate of an earlier AppendEntries).
    expect(run([...committed.slice(0, -1), { kind: 'append', node: 'n2', index: 2, entries: five.slice(1) }, { kind: 'append', node: 'n1', index: 5, entries: [five[4]!] }])).toEqual([]);
    expect(run([...committed.slice(0, -1), { kind: 'append', node: 'n2', index: 1, entries: five.slice(0, 2) }, { kind: 'timeout', node: 'n2', timer: 'heartbeat', state: { lastLogIndex: 5 } }])).toEqual([]);
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
    // Commits may be logged with gaps: the commitIndex an apply is held to is the one its own
    // state logs, or any logged later (commitIndex only grows until a restart).
    const twoApplies = [
      { kind: 'append', node: 'n1', index: 1, entries: [set(1, 1), set(1, 2)] }, { kind: 'commit', node: 'n1', commitIndex: 1 },
      { kind: 'apply', node: 'n1', index: 1, command: set(1, 1).command }, { kind: 'apply', node: 'n1', index: 2, command: set(1, 2).command },
    ];
    expect(run(twoApplies)).toEqual([]); // commit 2 not logged
    const own = twoApplies.map((e, i) => (i === 3 ? { ...e, state: { commitIndex: 1 } } : e));
    expect(run(own).map((x) => [x.rule, x.line, x.message])).toEqual([['state-machine-safety', 5, 'n1 applied the entry at index 2 while its commitIndex is 1']]);
    const later = run([...twoApplies, { kind: 'timeout', node: 'n1', timer: 'heartbeat', state: { commitIndex: 1 } }]);
    expect(later.map((x) => [x.rule, x.line, x.message])).toEqual([['state-machine-safety', 6, "n1's commitIndex is 1, yet it applied index 2 (line 5) since its last restart: an entry applied before it was committed"]]);
    expect(run([...twoApplies, { kind: 'commit', node: 'n1', commitIndex: 2 }])).toEqual([]);
    // ...but not across a restart, which resets both.
    expect(run([...twoApplies, { kind: 'crash', node: 'n1' }, { kind: 'restart', node: 'n1', state: { commitIndex: 0, lastApplied: 0 } }])).toEqual([]);
  });

  it('state-machine-safety: a node whose commitIndex the trace never logs is not held to 0', () => {
    // A producer that logs only applies (each node's state machine): "applied only up to
    // commitIndex" is unconstrained for it, while order and agreement across nodes still hold.
    const applies = (commands: Array<[string, number, number]>) => run(commands.map(([node, index, value]) => ({ kind: 'apply', node, index, command: set(1, value).command })));
    expect(applies([['n1', 1, 5], ['n2', 1, 5], ['n1', 2, 6]])).toEqual([]);
    expect(applies([['n1', 1, 5], ['n2', 1, 6]]).map((x) => [x.rule, x.line])).toEqual([['state-machine-safety', 3]]);
    // Applies may be logged with gaps; those logged go up in index order until a restart.
    expect(applies([['n1', 2, 5], ['n1', 4, 6]])).toEqual([]);
    expect(applies([['n1', 2, 5], ['n1', 1, 4]]).map((x) => [x.rule, x.line, x.message])).toEqual([['state-machine-safety', 3, 'n1 applied index 1 again or out of order: it had applied index 2 (line 2) since its last restart']]);
    expect(applies([['n1', 2, 5], ['n1', 2, 5]]).map((x) => x.line)).toEqual([3]);
    // A logged lastApplied counts as much as an apply.
    expect(run([{ kind: 'timeout', node: 'n1', timer: 'election', state: { lastApplied: 3 } }, { kind: 'apply', node: 'n1', index: 3, command: set(1, 1).command }]).map((x) => x.line)).toEqual([3]);
  });

  describe('state-consistent: a logged state agrees with the node\'s own events', () => {
    const append = (index: number, entries: Entry[], state?: Record<string, unknown>) => ({ kind: 'append', node: 'n1', index, entries, ...(state ? { state } : {}) });
    it('holds lastLogIndex and lastLogTerm to the log the append and truncate events build', () => {
      expect(run([append(1, [set(1, 1), set(1, 2)], { lastLogIndex: 2, lastLogTerm: 1 })])).toEqual([]);
      const v = run([append(1, [set(1, 1), set(1, 2)], { lastLogIndex: 3, lastLogTerm: 1 })]);
      expect(v.map((x) => [x.rule, x.line, x.message])).toEqual([['state-consistent', 2, "n1's logged state has lastLogIndex 3, lastLogTerm 1, but its own append and truncate events leave its log ending at index 2, term 1"]]);
      expect(run([append(1, [set(1, 1)]), { kind: 'truncate', node: 'n1', fromIndex: 1, state: { lastLogIndex: 1 } }]).map((x) => x.rule)).toEqual(['state-consistent']);
      // A node that logs no appends: its reported log is its own word.
      expect(run([{ kind: 'timeout', node: 'n1', timer: 'election', state: { lastLogIndex: 7, lastLogTerm: 3 } }])).toEqual([]);
      // Reported once: the state is then taken as the truth.
      expect(run([append(1, [set(1, 1)], { lastLogIndex: 2 }), { kind: 'timeout', node: 'n1', timer: 'election', state: { lastLogIndex: 2 } }]).map((x) => x.line)).toEqual([2]);
    });
    it('holds a full logged log to the events', () => {
      expect(run([append(1, [set(1, 1)], { log: [set(1, 1)] })])).toEqual([]);
      const v = run([append(1, [set(1, 1)], { log: [set(1, 1), set(1, 2)] })]);
      expect(v.map((x) => [x.rule, x.message])).toEqual([['state-consistent', "n1's logged log has 2 entries and differs at index 2 from the log its own append and truncate events built (1 entries): entry 2 is term 1: set 2 in the state, missing by the events"]]);
    });
    it('holds lastApplied to the applies and to commitIndex, and both to the last log index', () => {
      const apply = (index: number, state: Record<string, unknown>) => ({ kind: 'apply', node: 'n1', index, command: set(1, index).command, state });
      expect(run([apply(1, { lastApplied: 1, commitIndex: 1 })])).toEqual([]);
      expect(run([apply(1, { lastApplied: 2, commitIndex: 2 })]).map((x) => [x.rule, x.message])).toEqual([['state-consistent', 'n1 applied index 1, and its logged state has lastApplied 2']]);
      expect(run([apply(2, { lastApplied: 2 }), { kind: 'timeout', node: 'n1', timer: 'heartbeat', state: { lastApplied: 1 } }]).map((x) => [x.rule, x.line])).toEqual([['state-consistent', 3]]);
      expect(run([{ kind: 'timeout', node: 'n1', timer: 'heartbeat', state: { lastApplied: 2, commitIndex: 1 } }]).map((x) => x.rule)).toEqual(['state-machine-safety']);
      expect(run([{ kind: 'timeout', node: 'n1', timer: 'heartbeat', state: { commitIndex: 3, lastLogIndex: 2 } }]).map((x) => [x.rule, x.message])).toEqual([['state-consistent', "n1's logged state has commitIndex 3 beyond its last log index 2"]]);
      // A restart starts lastApplied afresh.
      expect(run([apply(2, { lastApplied: 2 }), { kind: 'crash', node: 'n1' }, { kind: 'restart', node: 'n1', state: { lastApplied: 0 } }])).toEqual([]);
    });
  });

  it('vote-once: a vote granted in a response is a vote, in the response\'s term', () => {
    const grant = (to: string, term: number, state?: Record<string, unknown>) => ({ kind: 'send', node: 'n3', msg: { id: `g-${to}-${term}`, type: 'RequestVoteResponse', from: 'n3', to, term, voteGranted: true }, ...(state ? { state } : {}) });
    // No term or vote events at all: the responses say it.
    expect(run([grant('n1', 2), grant('n2', 2)]).map((x) => [x.rule, x.line, x.message])).toEqual([['vote-once', 3, 'n3 granted its vote in term 2 to n2, but it had voted for n1 in that term (line 2)']]);
    expect(run([grant('n1', 2), grant('n2', 3)])).toEqual([]);
    // Granting, its state must show the vote.
    expect(run([grant('n1', 2, { term: 2, votedFor: null })]).map((x) => x.rule)).toEqual(['state-consistent']);
  });

  it('state-consistent: a state\'s term, role and vote are those of the node\'s own events, where it logs them', () => {
    expect(run([...lead('n1', 1), { kind: 'timeout', node: 'n1', timer: 'heartbeat', state: { term: 1, role: 'leader', votedFor: 'n1' } }])).toEqual([]);
    expect(run([...lead('n1', 1), { kind: 'timeout', node: 'n1', timer: 'heartbeat', state: { term: 2 } }]).map((x) => [x.rule, x.message])).toEqual([['state-consistent', "n1's logged state disagrees with its own term, role and vote events: term 2 (its events: 1)"]]);
    expect(run([...lead('n1', 1), { kind: 'timeout', node: 'n1', timer: 'heartbeat', state: { role: 'follower' } }]).map((x) => x.rule)).toEqual(['state-consistent']);
    // A node that logs no term events reports its term in its states: its own word.
    expect(run([{ kind: 'timeout', node: 'n1', timer: 'election', state: { term: 3 } }])).toEqual([]);
  });

  it('election-safety: a state that shows the leader role with a term new on its line is not a leadership (a leader logs the higher term before it steps down)', () => {
    // n1 logs no role events (and its role only on some states); as leader of term 1 it adopts
    // term 2, logging the term first.
    const stepDown = [
      { kind: 'term', node: 'n1', term: 1 },
      { kind: 'term', node: 'n1', term: 2, state: { role: 'leader', term: 2 } },
      { kind: 'timeout', node: 'n1', timer: 'election', state: { role: 'follower', term: 2 } },
    ];
    expect(run([...stepDown, ...lead('n2', 2)])).toEqual([]);
    // The state of an input is the one before its step, never midway: a leader there leads.
    expect(run([{ kind: 'timeout', node: 'n1', timer: 'heartbeat', state: { role: 'leader', term: 2 } }, ...lead('n2', 2)]).map((x) => x.rule)).toEqual(['election-safety']);
  });

  it('commit-current-term judges commit events, not a commitIndex first seen in a state', () => {
    const base = [...lead('n1', 1), { kind: 'append', node: 'n1', index: 1, entries: [set(1, 1)] }, { kind: 'term', node: 'n1', term: 2 }, { kind: 'role', node: 'n1', role: 'candidate' }, { kind: 'vote', node: 'n1', votedFor: 'n1' }, { kind: 'role', node: 'n1', role: 'leader' }];
    // Its commit of index 1 happened in term 1, unlogged; a state in term 2 shows it.
    expect(run([...base, { kind: 'timeout', node: 'n1', timer: 'heartbeat', state: { commitIndex: 1 } }])).toEqual([]);
    expect(run([...base, { kind: 'commit', node: 'n1', commitIndex: 1 }]).map((x) => x.rule)).toEqual(['commit-current-term']);
  });

  it('rules keyed by term leave alone a node whose term is not logged', () => {
    // n2 logs votes and roles but no term: its votes and leadership belong to terms unknown.
    expect(run([{ kind: 'vote', node: 'n2', votedFor: 'n1' }, { kind: 'vote', node: 'n2', votedFor: 'n3' }])).toEqual([]);
    expect(run([{ kind: 'role', node: 'n2', role: 'leader' }, { kind: 'role', node: 'n2', role: 'follower' }, ...lead('n1', 1), { kind: 'role', node: 'n3', role: 'leader' }]).map((x) => [x.rule, x.line])).toEqual([]);
    // A term from a logged state is a known term.
    expect(run([{ kind: 'vote', node: 'n2', votedFor: 'n1', state: { term: 2 } }, { kind: 'vote', node: 'n2', votedFor: 'n3', state: { term: 2 } }]).map((x) => x.rule)).toEqual(['vote-once']);
  });

  describe('applied-value: the register is what the applied commands make it', () => {
    const apply = (node: string, index: number, command: Entry['command'], extra: Record<string, unknown> = {}) => ({ kind: 'apply', node, index, command, ...extra });
    const only = (events: Array<Record<string, unknown>>) => run(events, ['applied-value']);
    const cas = (expected: number | null, value: number): Entry['command'] => ({ type: 'cas', expected, value });

    it('catches a wrong value after a set in a trace of applies only, where conformance cannot run', () => {
      const v = only([apply('n1', 1, set(1, 4).command, { value: 4 }), apply('n2', 1, set(1, 4).command, { value: 3 }), apply('n3', 1, set(1, 4).command, { value: 4 })]);
      expect(v.map((x) => [x.rule, x.line, x.message])).toEqual([['applied-value', 3, 'n2 applied index 1 (set 4) and logged value 3, but the register holds 4 after it']]);
      // Every rule on: nothing else sees it.
      expect(run([apply('n1', 1, set(1, 4).command, { value: 4 }), apply('n2', 1, set(1, 4).command, { value: 3 })]).map((x) => x.rule)).toEqual(['applied-value']);
    });

    it('checks results and values of get and cas from the value before, and across nodes', () => {
      const log = [set(1, 1).command, cas(2, 5), cas(1, 4), { type: 'get' } as const];
      const right = [1, 1, 4, 4];
      const results = ['ok', 'cas_failed', 'ok', 'ok'];
      const clean = log.map((c, i) => apply('n1', i + 1, c, { value: right[i], result: results[i] }));
      expect(only(clean)).toEqual([]);
      const failedAsOk = clean.map((e, i) => (i === 1 ? { ...e, result: 'ok', value: 5 } : e));
      expect(only(failedAsOk).map((x) => x.message)).toEqual(["n1 applied index 2 (cas 2→5) with result ok, but it gives cas_failed on the register's 1, as n1's own applies left it"]);
      // n2 did not log its first applies: the value before index 3 is n1's, and n2 must agree with it.
      const n2 = apply('n2', 3, cas(1, 4), { value: 1, result: 'cas_failed' });
      expect(only([...clean.slice(0, 2), n2]).map((x) => x.message)).toEqual(["n2 applied index 3 (cas 1→4) with result cas_failed, but it gives ok on the register's 1, as n1 held it after index 2 (line 3)"]);
    });

    it('raises no false alarm where the value before an index is unknown, and still checks what the command fixes', () => {
      // n1 logs only indexes 3 and 4: a failed cas and a read, whatever the value before them.
      expect(only([apply('n1', 3, cas(7, 8), { value: 2, result: 'cas_failed' }), apply('n1', 4, { type: 'get' }, { value: 2 })])).toEqual([]);
      expect(only([apply('n1', 3, cas(7, 8), { result: 'ok', value: 8 })])).toEqual([]);
      // ...but a set fixes the value, a successful cas its new value, and only a cas fails.
      expect(only([apply('n1', 3, set(1, 6).command, { value: 5 })]).map((x) => x.line)).toEqual([2]);
      expect(only([apply('n1', 3, cas(7, 8), { result: 'ok', value: 7 })]).map((x) => x.line)).toEqual([2]);
      expect(only([apply('n1', 3, { type: 'get' }, { result: 'cas_failed' })]).map((x) => x.message)).toEqual(['n1 applied index 3 (get) with result cas_failed: only a cas can fail']);
      expect(only([apply('n1', 3, cas(7, 8), { value: 7 })]).map((x) => x.line)).toEqual([2]);
      // The value n1 logged for its read is a claim: n2's later read at the same index must agree.
      expect(only([apply('n1', 4, { type: 'get' }, { value: 2 }), apply('n2', 4, { type: 'get' }, { value: 3 })]).map((x) => x.message)).toEqual(["n2's register is logged to hold 3 after index 4, but n1's was logged to hold 2 (line 2)"]);
    });

    it('starts the register afresh at a restart, as the node applies its log again', () => {
      const first = [apply('n1', 1, set(1, 4).command, { value: 4 }), apply('n1', 2, { type: 'get' }, { value: 4 })];
      const again = [{ kind: 'crash', node: 'n1' }, { kind: 'restart', node: 'n1', state: { lastApplied: 0, value: null } }];
      expect(only([...first, ...again, ...first])).toEqual([]);
      // A restarted node that shows the value it had before, with nothing applied, is wrong.
      expect(only([...first, { kind: 'crash', node: 'n1' }, { kind: 'restart', node: 'n1', state: { lastApplied: 0, value: 4 } }]).map((x) => x.message)).toEqual(["n1's logged state has value 4 with lastApplied 0, but the register holds null after index 0, nothing applied: the register is empty"]);
    });

    it('holds a client answer to the result of the apply of its command', () => {
      const c = (command: Entry['command']) => ({ ...command, client: 'c1', requestId: 7 }) as Entry['command'];
      const answer = (result: Record<string, unknown>) => ({ kind: 'client_response', node: 'n1', client: 'c1', requestId: 7, result });
      const failed = [apply('n1', 1, set(1, 1).command), apply('n1', 2, c(cas(2, 5)))];
      expect(only([...failed, answer({ status: 'cas_failed', value: 1 })])).toEqual([]);
      expect(only([...failed, answer({ status: 'ok' })]).map((x) => x.message)).toEqual(['n1 answered client c1 request 7 with ok, but applying its cas (index 2, line 3) gave cas_failed']);
      const read = [apply('n1', 1, set(1, 1).command), apply('n1', 2, c({ type: 'get' }))];
      expect(only([...read, answer({ status: 'ok', value: 1 })])).toEqual([]);
      expect(only([...read, answer({ status: 'ok', value: 2 })]).map((x) => x.line)).toEqual([4]);
      // An answer from a node that did not log the apply, or a not_leader answer, tells nothing.
      expect(only([...read, { ...answer({ status: 'ok', value: 2 }), node: 'n2' }, answer({ status: 'not_leader', leaderHint: null })])).toEqual([]);
    });

    it('reports a node once, and leaves one that applied another command to state-machine-safety', () => {
      const wrong = [apply('n1', 1, set(1, 4).command, { value: 3 }), apply('n1', 2, { type: 'get' }, { value: 3 })];
      expect(only(wrong).map((x) => x.line)).toEqual([2]);
      const other = [apply('n1', 1, set(1, 4).command, { value: 4 }), apply('n2', 1, set(1, 5).command, { value: 5 }), apply('n2', 2, { type: 'get' }, { value: 5 }), apply('n1', 2, { type: 'get' }, { value: 4 })];
      // n2's set 5 at index 1 differs from n1's set 4: state-machine-safety says so, once; the
      // values the two registers then hold (5 and 4 at index 2) are its consequence, not reported again.
      expect(run(other).map((x) => [x.rule, x.line])).toEqual([['state-machine-safety', 3]]);
    });
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
