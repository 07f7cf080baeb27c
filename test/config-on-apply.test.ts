/**
 * Feature `config-on-apply` (etcd's timing of membership changes): a configuration takes effect
 * when its entry is applied; a leader starts no change while an earlier one, or an entry of an
 * earlier term, is unapplied. The reference fuzzed with it passes every check, liveness included;
 * by hand, it switches at the apply, not the append, and a restarted node that has not applied
 * its log's changes asks their voters too.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRandom } from '../src/random.js';
import { parseFeatureList } from '../src/raft/features/index.js';
import { createReferenceNode } from '../src/raft/node.js';
import { DEFAULT_NODE_CONFIG, type Entry, type NodeConfig, type StepRecord } from '../src/raft/types.js';
import { runSchedule } from '../harness/fuzz/run-schedule.js';
import { scheduleArbitrary, type Schedule } from '../harness/fuzz/schedule.js';
import { FeatureInvariants } from '../harness/checker/features/feature-invariants.js';
import type { Header, TraceEvent } from '../src/trace/schema.js';
import type { Violation } from '../harness/checker/violation.js';

const FEATURES = ['membership', 'config-on-apply'] as const;
const cfg = (voters: string[], learners: string[] = []): Entry['command'] => ({ type: 'config', voters, learners });
const config = (id: string, voters: string[]): NodeConfig => ({ ...DEFAULT_NODE_CONFIG, id, members: ['n1', 'n2', 'n3', 'n4'], features: [...FEATURES], configuration: { voters, learners: [] } });
const kinds = (records: StepRecord[]) => records.map((r) => r.effect.kind);
const effects = (records: StepRecord[]) => records.map((r) => r.effect);

describe('the reference with config-on-apply, fuzzed', () => {
  it('16 swarm schedules on 3 and 5 nodes with reconfigurations pass every check, liveness included, and switch later than they append', () => {
    const schedules = fc.sample(scheduleArbitrary('swarm', [3, 5], 3000, [...FEATURES]), { seed: 23, numRuns: 16 });
    let switchedAtApply = 0;
    let appendedBeforeApplied = 0;
    for (const s of schedules) {
      const r = runSchedule(s, createReferenceNode, { keepLines: true });
      expect(r.error ?? null).toBeNull();
      const appendedAt = new Map<string, number>();
      for (const l of r.lines) {
        if (l.kind === 'append') l.entries.forEach((e, k) => e.command.type === 'config' && appendedAt.set(`${l.node}/${l.index + k}`, l.seq));
        if (l.kind === 'config' && l.index > 0) {
          expect(l.index).toBeLessThanOrEqual(l.state!.lastApplied!);
          switchedAtApply++;
          const at = appendedAt.get(`${l.node}/${l.index}`);
          if (at !== undefined && at < l.seq - 1) appendedBeforeApplied++;
        }
      }
    }
    expect(switchedAtApply).toBeGreaterThan(20);
    expect(appendedBeforeApplied).toBeGreaterThan(5);
  });
});

describe('a configuration takes effect when applied', () => {
  const ae = (prevLogIndex: number, prevLogTerm: number, entries: Entry[], leaderCommit: number, id: string) => ({
    type: 'receive' as const,
    msg: { id, type: 'AppendEntries' as const, from: 'n1', to: 'n2', term: 1, leaderId: 'n1', prevLogIndex, prevLogTerm, entries, leaderCommit },
  });

  it('a follower switches when the entry commits and applies, not when it appends it, and a truncation does not change it', () => {
    const node = createReferenceNode(config('n2', ['n1', 'n2', 'n3']), { random: createRandom(1) });
    node.start();
    const appended = node.step(ae(0, 0, [{ term: 1, command: cfg(['n1', 'n2', 'n3'], ['n4']) }], 0, 'a'));
    expect(kinds(appended)).toContain('append');
    expect(kinds(appended)).not.toContain('config');
    const applied = node.step(ae(1, 1, [], 1, 'b'));
    expect(kinds(applied).filter((k) => k !== 'set_timer')).toEqual(['commit', 'apply', 'send', 'config']);
    expect(effects(applied).at(-1)).toEqual({ kind: 'config', index: 1, voters: ['n1', 'n2', 'n3'], learners: ['n4'] });
    // A second change appended, then truncated by a leader of term 2 before it commits: it never took effect, so nothing reverts.
    expect(kinds(node.step(ae(1, 1, [{ term: 1, command: cfg(['n1', 'n2', 'n3', 'n4']) }], 1, 'c')))).not.toContain('config');
    const truncated = node.step({ ...ae(1, 1, [{ term: 2, command: { type: 'noop' } }], 1, 'd'), msg: { ...ae(1, 1, [{ term: 2, command: { type: 'noop' } }], 1, 'd').msg, term: 2 } });
    expect(kinds(truncated)).toContain('truncate');
    expect(kinds(truncated)).not.toContain('config');
  });

  it('a leader appends a change only once the earlier one is applied; its own change commits by the configuration before it', () => {
    const n = createReferenceNode(config('n1', ['n1']), { random: createRandom(1) });
    n.start();
    n.step({ type: 'timeout', timer: 'election' });
    expect(n.live.role).toBe('leader');
    // One voter: the learner's addition commits and applies at once (etcd's v1 add, confchange_v1_add_single.txt).
    expect(effects(n.step({ type: 'reconfigure', change: 'add', server: 'n2' }))).toContainEqual({ kind: 'config', index: 1, voters: ['n1'], learners: ['n2'] });
    // Promoting n2 commits by {n1} (the configuration before it), then n2 counts.
    const promote = n.step({ type: 'reconfigure', change: 'promote', server: 'n2' });
    expect(effects(promote)).toContainEqual({ kind: 'config', index: 2, voters: ['n1', 'n2'], learners: [] });
    n.step({ type: 'client_request', client: 'c', requestId: 1, op: { type: 'set', value: 1 } });
    expect(n.live.commitIndex).toBe(2); // entry 3 needs n2 now
    // A change appended while entry 4 (a change) is unapplied is refused.
    expect(kinds(n.step({ type: 'reconfigure', change: 'add', server: 'n3' }))).toEqual(['append']);
    expect(n.step({ type: 'reconfigure', change: 'add', server: 'n4' })).toEqual([]);
  });

  it('a leader that removed itself steps down once the removal is applied and its whole log committed, not before', () => {
    const n = createReferenceNode(config('n1', ['n1', 'n2']), { random: createRandom(1) });
    n.start();
    n.step({ type: 'timeout', timer: 'election' });
    n.step({ type: 'receive', msg: { id: 'v', type: 'RequestVoteResponse', from: 'n2', to: 'n1', term: 1, voteGranted: true } });
    n.step({ type: 'reconfigure', change: 'remove', server: 'n1' });
    n.step({ type: 'client_request', client: 'c', requestId: 1, op: { type: 'set', value: 1 } });
    const ack = (matchIndex: number) => ({ type: 'receive' as const, msg: { id: `a${matchIndex}`, type: 'AppendEntriesResponse' as const, from: 'n2', to: 'n1', term: 1, success: true, matchIndex } });
    // The removal commits by {n1, n2} and applies; the write after it is n2's to acknowledge. Stepping down now
    // would leave n2, which may not know of the commit, needing n1's vote for a log shorter than n1's (soak run 510).
    expect(effects(n.step(ack(1)))).toContainEqual({ kind: 'config', index: 1, voters: ['n2'], learners: [] });
    expect(n.live.role).toBe('leader');
    expect(effects(n.step(ack(2)))).toContainEqual({ kind: 'role', role: 'follower' });
  });

  it('a removed leader deposed with an entry not known committed stands again (the others need its vote)', () => {
    const n = createReferenceNode(config('n1', ['n1', 'n2']), { random: createRandom(1) });
    n.start();
    n.step({ type: 'timeout', timer: 'election' });
    n.step({ type: 'receive', msg: { id: 'v', type: 'RequestVoteResponse', from: 'n2', to: 'n1', term: 1, voteGranted: true } });
    n.step({ type: 'reconfigure', change: 'remove', server: 'n1' });
    n.step({ type: 'client_request', client: 'c', requestId: 1, op: { type: 'set', value: 1 } });
    n.step({ type: 'receive', msg: { id: 'a1', type: 'AppendEntriesResponse', from: 'n2', to: 'n1', term: 1, success: true, matchIndex: 1 } });
    // n2, which never learned that the removal committed, campaigns in term 2 with a shorter log: n1 refuses.
    const refused = n.step({ type: 'receive', msg: { id: 'rv', type: 'RequestVote', from: 'n2', to: 'n1', term: 2, candidateId: 'n2', lastLogIndex: 1, lastLogTerm: 1 } });
    expect(effects(refused)).toContainEqual({ kind: 'send', msg: { type: 'RequestVoteResponse', from: 'n1', to: 'n2', term: 2, voteGranted: false } });
    expect(n.live.role).toBe('follower');
    // No voter of {n2}, but it holds entry 2 not known committed: it stands, asking n2.
    const stands = n.step({ type: 'timeout', timer: 'election' });
    expect(effects(stands)).toContainEqual({ kind: 'send', msg: { type: 'RequestVote', from: 'n1', to: 'n2', term: 3, candidateId: 'n1', lastLogIndex: 2, lastLogTerm: 1 } });
  });

  it('a restarted node resumes in its snapshot\'s configuration and stands with the voters of its log\'s later ones too', () => {
    const log: Entry[] = [{ term: 1, command: cfg(['n1'], ['n2']) }, { term: 1, command: cfg(['n1', 'n2']) }];
    const n = createReferenceNode(config('n1', ['n1']), { random: createRandom(1), persisted: { term: 1, votedFor: 'n1', log } });
    n.start();
    const election = n.step({ type: 'timeout', timer: 'election' });
    // Not yet a leader on its own vote: {n1, n2} (entry 2, unapplied) needs n2's too.
    expect(n.live.role).toBe('candidate');
    expect(effects(election).filter((e) => e.kind === 'send').map((e) => (e.kind === 'send' ? e.msg.to : ''))).toEqual(['n2']);
    n.step({ type: 'receive', msg: { id: 'v', type: 'RequestVoteResponse', from: 'n2', to: 'n1', term: 2, voteGranted: true } });
    expect(n.live.role).toBe('leader');
  });
});

describe('a node restarted behind its log', () => {
  it('stands with the voters of its log\'s later configurations: two voters, the leader removing itself, the other restarted, elect again (soak seed 2313, run 662)', () => {
    // n1, the only initial voter, adds and promotes n2, then removes itself; n2 appends the
    // removal and crashes, n1 commits and applies it and steps down. n2 restarts with commitIndex
    // 0, in the initial configuration, which has no n2: it must still stand, or no one ever does.
    const schedule: Schedule = {
      version: 1, nodes: 2, seed: 0, durationMs: 357, batch: 64, fates: [{ lose: false, duplicate: false, delay: 1 }], members: 1, features: ['membership', 'config-on-apply'], heartbeatMs: 100,
      events: [
        { at: 259, action: { type: 'reconfigure', change: 'add', server: 1 } },
        { at: 259, action: { type: 'reconfigure', change: 'promote', server: 1 } },
        { at: 346, action: { type: 'reconfigure', change: 'remove', server: 0 } },
        { at: 357, action: { type: 'crash', node: 1 } },
      ],
    };
    const r = runSchedule(schedule, createReferenceNode);
    expect(r.error).toBeUndefined();
    expect(r.ok).toBe(true);
  });
});

describe('the checker', () => {
  const header: Header = { kind: 'header', format: 'raftcheck-trace', version: 1, producer: { name: 'test', version: '0' }, minor: 6, nodes: ['n1', 'n2'], features: ['membership', 'config-on-apply'], params: { voters: ['n1'] } };
  function check(events: Array<Record<string, unknown>>): Violation[] {
    const found: Violation[] = [];
    const inv = new FeatureInvariants(header, (v) => found.push(v));
    events.forEach((e, i) => inv.event({ node: 'n1', seq: i, time: i, ...e } as unknown as TraceEvent, i + 2));
    return found;
  }
  const leader = [{ kind: 'role', role: 'candidate' }, { kind: 'term', term: 1 }, { kind: 'vote', votedFor: 'n1' }, { kind: 'role', role: 'leader' }];
  const state = (commitIndex: number, lastApplied: number) => ({ role: 'leader', term: 1, votedFor: 'n1', commitIndex, lastApplied });
  const add = { kind: 'append', index: 1, entries: [{ term: 1, command: cfg(['n1'], ['n2']) }] };

  it('takes a switch at the append for config-on-apply.in-effect, and one at the apply for none', () => {
    expect(check([...leader, { ...add, state: state(0, 0) }, { kind: 'config', index: 1, voters: ['n1'], learners: ['n2'], state: state(0, 0) }]).map((v) => v.rule)).toEqual(['config-on-apply.in-effect']);
    expect(check([...leader, { ...add, state: state(0, 0) }, { kind: 'commit', commitIndex: 1 }, { kind: 'apply', index: 1, command: cfg(['n1'], ['n2']) }, { kind: 'config', index: 1, voters: ['n1'], learners: ['n2'], state: state(1, 1) }])).toEqual([]);
  });

  it('takes a second change before the first is applied for config-on-apply.one-change', () => {
    const second = { kind: 'append', index: 2, entries: [{ term: 1, command: cfg(['n1'], []) }], state: state(1, 0) };
    expect(check([...leader, { ...add, state: state(0, 0) }, { kind: 'commit', commitIndex: 1, state: state(1, 0) }, second]).map((v) => v.rule)).toEqual(['config-on-apply.one-change']);
  });
});

describe('feature names', () => {
  it('config-on-apply needs membership, and all leaves it out (a variant, not an extension)', () => {
    expect(parseFeatureList('membership,config-on-apply')).toEqual(['membership', 'config-on-apply']);
    expect(parseFeatureList('config-on-apply')).toEqual({ error: "feature 'config-on-apply' needs feature 'membership'" });
    expect(parseFeatureList('all')).not.toContain('config-on-apply');
  });
});
