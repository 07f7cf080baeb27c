import { describe, expect, it } from 'vitest';
import { describeStatechart, toDot, toMermaid } from '../src/raft/diagram.js';
import type { Message, RequestVote } from '../src/raft/types.js';
import { cli } from './helpers/cli.js';
import { kinds, nodeFor, sends, set, withId } from './helpers/raft.js';

const receive = (msg: Message) => ({ type: 'receive' as const, msg });
const electionTimeout = { type: 'timeout' as const, timer: 'election' as const };

/** n1 wins an election in term 1 (with n2's vote) and returns its AppendEntries. */
function electN1() {
  const n1 = nodeFor('n1');
  const n2 = nodeFor('n2');
  const [rv2] = sends(n1.step(electionTimeout));
  const [vote] = sends(n2.step(receive(rv2!)));
  const won = n1.step(receive(vote!));
  return { n1, n2, won };
}

describe('reference node: effect order of each step (spec/TRACE_FORMAT.md conventions)', () => {
  it('starting arms the election timer and nothing else', () => {
    const node = nodeFor('n1');
    expect(node.view()).toMatchObject({ role: 'follower', term: 0, votedFor: null, commitIndex: 0 });
    expect(node.stateValue()).toBe('follower');
  });

  it('election timeout: role, term, vote, RequestVote to each peer in member order', () => {
    const n1 = nodeFor('n1');
    const step = n1.step(electionTimeout);
    expect(kinds(step)).toEqual(['role candidate', 'term', 'vote', 'send RequestVote>n2', 'send RequestVote>n3']);
    expect(step.some((r) => r.effect.kind === 'set_timer' && r.effect.timer === 'election')).toBe(true);
    // A second timeout as candidate starts a new election without a role event.
    expect(kinds(n1.step(electionTimeout))).toEqual(['term', 'vote', 'send RequestVote>n2', 'send RequestVote>n3']);
    expect(n1.view().term).toBe(2);
  });

  it('a majority of current-term votes makes a leader that sends AppendEntries to all at once', () => {
    const { n1, won } = electN1();
    expect(kinds(won)).toEqual(['role leader', 'send AppendEntries>n2', 'send AppendEntries>n3']);
    expect(n1.stateValue()).toBe('leader');
    expect(won.some((r) => r.effect.kind === 'cancel_timer' && r.effect.timer === 'election')).toBe(true);
    expect(won.some((r) => r.effect.kind === 'set_timer' && r.effect.timer === 'heartbeat')).toBe(true);
    expect(kinds(n1.step({ type: 'timeout', timer: 'heartbeat' }))).toEqual(['send AppendEntries>n2', 'send AppendEntries>n3']);
    expect(kinds(n1.step(electionTimeout))).toEqual([]); // a leader's stale election timer is ignored
  });

  it('a follower votes at most once per term; the same candidate may ask again', () => {
    const n3 = nodeFor('n3');
    const ask = (from: string): RequestVote => ({ id: `rv-${from}`, type: 'RequestVote', from, to: 'n3', term: 1, candidateId: from, lastLogIndex: 0, lastLogTerm: 0 });
    expect(kinds(n3.step(receive(ask('n1'))))).toEqual(['term', 'vote', 'send RequestVoteResponse>n1']);
    const second = sends(n3.step(receive(ask('n2'))));
    expect(second[0]).toMatchObject({ voteGranted: false });
    expect(sends(n3.step(receive(ask('n1'))))[0]).toMatchObject({ voteGranted: true });
    expect(n3.view().votedFor).toBe('n1');
  });

  it('steps down on a higher term before handling the message: a leader may then grant the vote', () => {
    const { n1 } = electN1();
    const rv: RequestVote = { id: 'rv', type: 'RequestVote', from: 'n3', to: 'n1', term: 5, candidateId: 'n3', lastLogIndex: 0, lastLogTerm: 0 };
    const step = n1.step(receive(rv));
    expect(kinds(step)).toEqual(['term', 'role follower', 'vote', 'send RequestVoteResponse>n3']);
    expect(sends(step)[0]).toMatchObject({ term: 5, voteGranted: true });
    expect(n1.stateValue()).toBe('follower');
    expect(step.some((r) => r.effect.kind === 'cancel_timer' && r.effect.timer === 'heartbeat')).toBe(true);
  });

  it('a candidate seeing a current-term AppendEntries returns to follower and handles it', () => {
    const n2 = nodeFor('n2');
    n2.step(electionTimeout); // n2 candidate in term 1
    const ae = withId({ type: 'AppendEntries', from: 'n1', to: 'n2', term: 1, leaderId: 'n1', prevLogIndex: 0, prevLogTerm: 0, entries: [set(1, 5)], leaderCommit: 0 });
    expect(kinds(n2.step(receive(ae)))).toEqual(['role follower', 'append', 'send AppendEntriesResponse>n1']);
    expect(n2.view()).toMatchObject({ role: 'follower', term: 1, leaderId: 'n1', lastLogIndex: 1 });
  });

  it('ignores responses from older terms and vote responses when not a candidate', () => {
    const { n1 } = electN1();
    const stale = withId({ type: 'AppendEntriesResponse', from: 'n2', to: 'n1', term: 0, success: false });
    expect(kinds(n1.step(receive(stale)))).toEqual([]);
    const lateVote = withId({ type: 'RequestVoteResponse', from: 'n3', to: 'n1', term: 1, voteGranted: true });
    expect(kinds(n1.step(receive(lateVote)))).toEqual([]);
    const n2 = nodeFor('n2');
    expect(kinds(n2.step(receive(withId({ type: 'RequestVoteResponse', from: 'n3', to: 'n2', term: 0, voteGranted: true }))))).toEqual([]);
  });

  it('a higher-term response deposes a leader without further handling', () => {
    const { n1 } = electN1();
    const resp = withId({ type: 'AppendEntriesResponse', from: 'n2', to: 'n1', term: 4, success: false });
    expect(kinds(n1.step(receive(resp)))).toEqual(['term', 'role follower']);
  });

  it('replicates a client write, commits it on a majority, applies it and answers the client', () => {
    const { n1, n2 } = electN1();
    expect(kinds(n1.step({ type: 'client_request', client: 'c1', requestId: 1, op: { type: 'set', value: 5 } }))).toEqual(['append']);
    const [toN2] = sends(n1.step({ type: 'timeout', timer: 'heartbeat' }));
    const accepted = n2.step(receive(toN2!));
    expect(kinds(accepted)).toEqual(['append', 'send AppendEntriesResponse>n1']);
    const done = n1.step(receive(sends(accepted)[0]!));
    expect(kinds(done)).toEqual(['commit', 'apply', 'client_response']);
    expect(n1.view()).toMatchObject({ commitIndex: 1, lastApplied: 1, value: 5 });
    // The follower learns the commit from the next heartbeat.
    const [hb] = sends(n1.step({ type: 'timeout', timer: 'heartbeat' }));
    expect(kinds(n2.step(receive(hb!)))).toEqual(['commit', 'apply', 'send AppendEntriesResponse>n1']);
    expect(n2.view().value).toBe(5);
  });

  it('a follower answers a client with not_leader and the leader it knows', () => {
    const { n2 } = electN1();
    expect(n2.step({ type: 'client_request', client: 'c', requestId: 1, op: { type: 'get' } }).map((r) => r.effect)).toEqual([
      { kind: 'client_response', client: 'c', requestId: 1, result: { status: 'not_leader', leaderHint: null } },
    ]);
  });

  it('a failed AppendEntries makes the leader back off and retry at once', () => {
    const { n1 } = electN1();
    n1.step({ type: 'client_request', client: 'c', requestId: 1, op: { type: 'set', value: 1 } });
    const fail = withId({ type: 'AppendEntriesResponse', from: 'n3', to: 'n1', term: 1, success: false, conflictIndex: 1 });
    const retry = n1.step(receive(fail));
    expect(kinds(retry)).toEqual(['send AppendEntries>n3']);
    expect(sends(retry)[0]).toMatchObject({ prevLogIndex: 0, entries: [{ term: 1 }] });
  });

  it('restarts from persisted term, vote and log with volatile state reset', () => {
    const node = nodeFor('n2', { term: 3, votedFor: 'n1', log: [set(1, 1), set(3, 2)] });
    expect(node.view()).toMatchObject({ role: 'follower', term: 3, votedFor: 'n1', commitIndex: 0, lastApplied: 0, value: null, lastLogIndex: 2, lastLogTerm: 3 });
    expect(node.persistent()).toEqual({ term: 3, votedFor: 'n1', log: [set(1, 1), set(3, 2)] });
    const p = node.persistent();
    p.log.push(set(9, 9)); // a copy: the node is unaffected
    expect(node.view().lastLogIndex).toBe(2);
  });

  it('a one-node cluster elects itself at once and commits immediately', () => {
    const solo = nodeFor('solo', undefined, ['solo']);
    expect(kinds(solo.step(electionTimeout))).toEqual(['role candidate', 'term', 'vote', 'role leader']);
    expect(kinds(solo.step({ type: 'client_request', client: 'c', requestId: 1, op: { type: 'set', value: 5 } }))).toEqual(['append', 'commit', 'apply', 'client_response']);
  });

  it('refuses to step before start, or to start twice', async () => {
    const { createReferenceNode } = await import('../src/raft/node.js');
    const { createRandom } = await import('../src/random.js');
    const { DEFAULT_NODE_CONFIG } = await import('../src/raft/types.js');
    const node = createReferenceNode({ ...DEFAULT_NODE_CONFIG, id: 'n1', members: ['n1'] }, { random: createRandom(1) });
    expect(() => node.step(electionTimeout)).toThrow(/not started/);
    node.start();
    expect(() => node.start()).toThrow(/already started/);
    expect(() => createReferenceNode({ ...DEFAULT_NODE_CONFIG, id: 'x', members: ['n1'] }, { random: createRandom(1) })).toThrow(/not among the members/);
  });
});

describe('statechart export', () => {
  const d = describeStatechart();
  it('has the three states and a named transition for each rule', () => {
    expect(d.states.map((s) => s.name)).toEqual(['follower', 'candidate', 'leader']);
    expect(d.initial).toBe('follower');
    const has = (from: string, event: string, guard: string | null, to: string | null) =>
      d.transitions.some((t) => t.from === from && t.event === event && t.guard === guard && t.to === to);
    expect(has('follower', 'ELECTION_TIMEOUT', null, 'candidate')).toBe(true);
    expect(has('candidate', '(always)', 'hasVoteMajority', 'leader')).toBe(true);
    expect(has('leader', 'RequestVote', 'hasHigherTerm', 'follower')).toBe(true);
    expect(has('candidate', 'AppendEntries', null, 'follower')).toBe(true);
    expect(has('follower', 'AppendEntries', 'logMatches', null)).toBe(true);
    // The higher-term step-down comes first for every message event of candidate and leader.
    for (const state of ['candidate', 'leader']) {
      for (const event of ['RequestVote', 'RequestVoteResponse', 'AppendEntries', 'AppendEntriesResponse']) {
        expect(d.transitions.find((t) => t.from === state && t.event === event)?.guard).toBe('hasHigherTerm');
      }
    }
  });
  it('renders Mermaid and DOT with every transition', () => {
    const mermaid = toMermaid(d);
    expect(mermaid.startsWith('stateDiagram-v2\n  [*] --> follower\n')).toBe(true);
    expect(mermaid).toMatch(/follower --> candidate: ELECTION_TIMEOUT/);
    expect(mermaid.split('\n').filter((l) => l.includes(' --> ') && !l.includes('[*]'))).toHaveLength(d.transitions.length);
    const dot = toDot(d);
    expect(dot).toMatch(/^digraph "raft" \{/);
    expect(dot).toMatch(/"candidate" -> "leader" \[label="\(always\) \[hasVoteMajority\]"\]/);
  });
  it('raftcheck diagram prints each format and rejects unknown ones', async () => {
    expect((await cli('diagram')).stdout).toBe(toMermaid(d));
    expect(JSON.parse((await cli('diagram', '--format', 'json')).stdout)).toEqual(JSON.parse(JSON.stringify(d)));
    expect((await cli('diagram', '--format', 'dot')).stdout).toBe(toDot(d));
    const bad = await cli('diagram', '--format', 'png');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--format: expected one of mermaid, dot, svg, json, table, got 'png'/);
  });
  it('raftcheck diagram -o writes atomically and refuses to replace without --force', async () => {
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'raftcheck-diagram-')), 'd.mmd');
    expect((await cli('diagram', '-o', file)).code).toBe(0);
    expect(fs.readFileSync(file, 'utf8')).toBe(toMermaid(d));
    const again = await cli('diagram', '-o', file);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists \(use --force to replace it\)/);
    expect((await cli('diagram', '-o', file, '--force', '--format', 'dot')).code).toBe(0);
    expect(fs.readFileSync(file, 'utf8')).toBe(toDot(d));
  });
});
