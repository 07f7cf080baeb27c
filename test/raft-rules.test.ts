import { describe, expect, it } from 'vitest';
import { RaftLog } from '../src/raft/log.js';
import { applyCommand } from '../src/raft/register.js';
import { canGrantVote, countVote, grantVote, hasVoteMajority, isLogUpToDate, isVoteForCurrentTerm, rejectVote, startElection } from '../src/raft/rules/election.js';
import {
  acceptAppendEntries, advanceCommitIndex, appendEntriesFor, backOffNextIndex, commitIndexFromMatches, initLeaderState, logMatchesAt,
  recordReplication, rejectInconsistentAppend, rejectStaleAppend, sendMoreEntries,
} from '../src/raft/rules/replication.js';
import { adoptTerm, hasHigherTerm, isStaleTerm } from '../src/raft/rules/terms.js';
import { drawElectionTimeout } from '../src/raft/rules/timers.js';
import { appendClientCommand, rejectNotLeader } from '../src/raft/rules/client.js';
import { applyCommitted } from '../src/raft/rules/apply.js';
import { createRandom } from '../src/random.js';
import type { AppendEntries, AppendEntriesResponse, RequestVote } from '../src/raft/types.js';
import { ctxFor, set } from './helpers/raft.js';

const rv = (term: number, candidateId: string, lastLogIndex = 0, lastLogTerm = 0): RequestVote =>
  ({ id: 'x', type: 'RequestVote', from: candidateId, to: 'n1', term, candidateId, lastLogIndex, lastLogTerm });
const ae = (term: number, prevLogIndex: number, prevLogTerm: number, entries: ReturnType<typeof set>[], leaderCommit = 0): AppendEntries =>
  ({ id: 'x', type: 'AppendEntries', from: 'n2', to: 'n1', term, leaderId: 'n2', prevLogIndex, prevLogTerm, entries, leaderCommit });
const aer = (from: string, term: number, success: boolean, extra: Partial<AppendEntriesResponse> = {}): AppendEntriesResponse =>
  ({ id: 'x', type: 'AppendEntriesResponse', from, to: 'n1', term, success, ...extra });
const effects = (ctx: { out: Array<{ effect: { kind: string } }> }) => ctx.out.map((r) => r.effect.kind).filter((k) => k !== 'set_timer' && k !== 'cancel_timer');

describe('RaftLog (1-indexed, in place)', () => {
  it('appends, reports last index and term, truncates from an index, slices only what is asked', () => {
    const log = new RaftLog();
    expect([log.lastIndex, log.lastTerm, log.termAt(0), log.termAt(1)]).toEqual([0, 0, 0, undefined]);
    log.append([set(1, 1), set(1, 2), set(2, 3)]);
    expect([log.lastIndex, log.lastTerm, log.termAt(2)]).toEqual([3, 2, 1]);
    expect(log.slice(2, 1)).toEqual([set(1, 2)]);
    expect(log.firstIndexOfTerm(1, 2)).toBe(1);
    expect(log.lastIndexOfTerm(1)).toBe(2);
    expect(log.lastIndexOfTerm(5)).toBe(0);
    log.truncateFrom(2);
    expect(log.toArray()).toEqual([set(1, 1)]);
    log.truncateFrom(9); // beyond the end: nothing
    expect(log.lastIndex).toBe(1);
  });
});

describe('register (the replicated state machine)', () => {
  it('set replaces the value, get leaves it, cas swaps only on a match', () => {
    expect(applyCommand(null, { type: 'set', value: 5 })).toEqual({ value: 5, result: 'ok' });
    expect(applyCommand(5, { type: 'get' })).toEqual({ value: 5, result: 'ok' });
    expect(applyCommand(5, { type: 'cas', expected: 5, value: 6 })).toEqual({ value: 6, result: 'ok' });
    expect(applyCommand(5, { type: 'cas', expected: 4, value: 6 })).toEqual({ value: 5, result: 'cas_failed' });
    expect(applyCommand(null, { type: 'cas', expected: null, value: 1 })).toEqual({ value: 1, result: 'ok' });
    expect(applyCommand(3, { type: 'noop' })).toEqual({ value: 3, result: 'ok' });
  });
});

describe('Figure 2, All Servers: terms', () => {
  it('rule 2: a higher term is adopted, the vote and the known leader forgotten', () => {
    const ctx = ctxFor();
    ctx.term = 2;
    ctx.votedFor = 'n2';
    ctx.leaderId = 'n2';
    expect(hasHigherTerm(ctx, 3)).toBe(true);
    expect(hasHigherTerm(ctx, 2)).toBe(false);
    adoptTerm(ctx, 3);
    expect([ctx.term, ctx.votedFor, ctx.leaderId]).toEqual([3, null, null]);
    expect(ctx.out.map((r) => r.effect)).toEqual([{ kind: 'term', term: 3 }]);
    expect(ctx.out[0]!.state).toMatchObject({ term: 3, votedFor: null });
  });
  it('a message from an older term is stale', () => {
    const ctx = ctxFor();
    ctx.term = 4;
    expect(isStaleTerm(ctx, 3)).toBe(true);
    expect(isStaleTerm(ctx, 4)).toBe(false);
  });
});

describe('§5.2: election timeouts are drawn uniformly from the range on every reset', () => {
  it('stays within [min, max] and varies', () => {
    const r = createRandom(5);
    const draws = Array.from({ length: 500 }, () => drawElectionTimeout({ min: 150, max: 300 }, r));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(150);
    expect(Math.max(...draws)).toBeLessThanOrEqual(300);
    expect(new Set(draws).size).toBeGreaterThan(50);
  });
});

describe('Figure 2, RequestVote RPC and §5.4.1', () => {
  it('§5.4.1: up-to-date compares last terms first, then last indexes', () => {
    expect(isLogUpToDate(3, 1, 2, 9)).toBe(true); // higher last term wins whatever the length
    expect(isLogUpToDate(2, 9, 3, 1)).toBe(false);
    expect(isLogUpToDate(2, 5, 2, 5)).toBe(true); // equal is up-to-date
    expect(isLogUpToDate(2, 4, 2, 5)).toBe(false); // same term, shorter log
  });
  it('receiver rule 2: grant only if votedFor is null or the candidate, and the log is up-to-date', () => {
    const ctx = ctxFor('n1', { term: 2, votedFor: null, log: [set(1, 1), set(2, 2)] });
    expect(canGrantVote(ctx, rv(2, 'n2', 2, 2))).toBe(true);
    expect(canGrantVote(ctx, rv(2, 'n2', 1, 2))).toBe(false); // shorter
    expect(canGrantVote(ctx, rv(2, 'n2', 5, 1))).toBe(false); // older last term
    ctx.votedFor = 'n3';
    expect(canGrantVote(ctx, rv(2, 'n2', 2, 2))).toBe(false); // already voted for another
    expect(canGrantVote(ctx, rv(2, 'n3', 2, 2))).toBe(true); // the same candidate again
    expect(canGrantVote(ctx, rv(1, 'n3', 2, 2))).toBe(false); // receiver rule 1: stale term
  });
  it('granting persists the vote before the answer; a repeated grant records no second vote', () => {
    const ctx = ctxFor();
    ctx.term = 1;
    grantVote(ctx, rv(1, 'n2'));
    expect(effects(ctx)).toEqual(['vote', 'send']);
    expect(ctx.out.find((r) => r.effect.kind === 'send')!.effect).toMatchObject({ msg: { type: 'RequestVoteResponse', term: 1, voteGranted: true, to: 'n2' } });
    ctx.out = [];
    grantVote(ctx, rv(1, 'n2'));
    expect(effects(ctx)).toEqual(['send']);
    ctx.out = [];
    rejectVote(ctx, rv(1, 'n3'));
    expect(ctx.out.at(-1)!.effect).toMatchObject({ kind: 'send', msg: { voteGranted: false, term: 1 } });
  });
});

describe('Figure 2, Candidates', () => {
  it('on conversion: increment currentTerm, vote for self, reset the timer, RequestVote to all others', () => {
    const ctx = ctxFor('n1', { term: 4, votedFor: 'n3', log: [set(3, 7)] });
    startElection(ctx);
    expect(ctx.out.map((r) => r.effect.kind)).toEqual(['term', 'vote', 'set_timer', 'send', 'send']);
    expect(ctx.out[0]!.state).toMatchObject({ term: 5, votedFor: null });
    expect(ctx.out[1]!.state).toMatchObject({ term: 5, votedFor: 'n1' });
    expect(ctx.out.slice(3).map((r) => r.effect)).toEqual([
      { kind: 'send', msg: { type: 'RequestVote', from: 'n1', to: 'n2', term: 5, candidateId: 'n1', lastLogIndex: 1, lastLogTerm: 3 } },
      { kind: 'send', msg: { type: 'RequestVote', from: 'n1', to: 'n3', term: 5, candidateId: 'n1', lastLogIndex: 1, lastLogTerm: 3 } },
    ]);
  });
  it('counts granted votes of the current term only, each voter once, and wins on a majority', () => {
    const ctx = ctxFor('n1', undefined, ['n1', 'n2', 'n3', 'n4', 'n5']);
    startElection(ctx);
    const vote = (from: string, term: number, granted = true) => ({ id: 'x', type: 'RequestVoteResponse' as const, from, to: 'n1', term, voteGranted: granted });
    expect(isVoteForCurrentTerm(ctx, vote('n2', 0))).toBe(false);
    expect(isVoteForCurrentTerm(ctx, vote('n2', 1, false))).toBe(false);
    countVote(ctx, vote('n2', 1));
    countVote(ctx, vote('n2', 1)); // duplicate
    expect(hasVoteMajority(ctx)).toBe(false);
    countVote(ctx, vote('n3', 1));
    expect(hasVoteMajority(ctx)).toBe(true);
  });
});

describe('Figure 2, AppendEntries RPC', () => {
  it('receiver rule 2: the log must contain an entry at prevLogIndex with prevLogTerm', () => {
    const ctx = ctxFor('n1', { term: 2, votedFor: null, log: [set(1, 1), set(2, 2)] });
    expect(logMatchesAt(ctx, 0, 0)).toBe(true);
    expect(logMatchesAt(ctx, 2, 2)).toBe(true);
    expect(logMatchesAt(ctx, 2, 1)).toBe(false);
    expect(logMatchesAt(ctx, 3, 2)).toBe(false);
  });
  it('receiver rules 3-4: delete only from the first conflict, then append what is new', () => {
    const ctx = ctxFor('n1', { term: 3, votedFor: null, log: [set(1, 1), set(1, 2), set(2, 3)] });
    acceptAppendEntries(ctx, ae(3, 1, 1, [set(1, 2), set(3, 9)]));
    expect(ctx.log.toArray()).toEqual([set(1, 1), set(1, 2), set(3, 9)]);
    expect(ctx.out.map((r) => r.effect).filter((e) => e.kind === 'truncate' || e.kind === 'append')).toEqual([
      { kind: 'truncate', fromIndex: 3 },
      { kind: 'append', index: 3, entries: [set(3, 9)] },
    ]);
  });
  it('a stale or duplicated request whose entries all match truncates nothing', () => {
    const ctx = ctxFor('n1', { term: 3, votedFor: null, log: [set(1, 1), set(1, 2), set(3, 3)] });
    acceptAppendEntries(ctx, ae(3, 0, 0, [set(1, 1)]));
    expect(ctx.log.lastIndex).toBe(3);
    expect(effects(ctx)).toEqual(['send']);
    expect(ctx.out.at(-1)!.effect).toMatchObject({ msg: { success: true, matchIndex: 1 } });
  });
  it('receiver rule 5: commitIndex = min(leaderCommit, index of the last new entry), and only forward', () => {
    const ctx = ctxFor('n1', { term: 1, votedFor: null, log: [] });
    acceptAppendEntries(ctx, ae(1, 0, 0, [set(1, 1), set(1, 2)], 10));
    expect(ctx.commitIndex).toBe(2);
    ctx.out = [];
    acceptAppendEntries(ctx, ae(1, 0, 0, [set(1, 1)], 10)); // a stale request covering less
    expect(ctx.commitIndex).toBe(2);
    expect(effects(ctx)).toEqual(['send']);
  });
  it('All Servers 1: committed entries are applied in order, and the node that appended one answers its client', () => {
    const ctx = ctxFor('n1', { term: 1, votedFor: null, log: [set(1, 5, 'c1', 1), { term: 1, command: { type: 'get', client: 'c2', requestId: 1 } }] });
    ctx.pending.set(2, { client: 'c2', requestId: 1 });
    ctx.commitIndex = 2;
    applyCommitted(ctx);
    expect(ctx.out.map((r) => r.effect)).toEqual([
      { kind: 'apply', index: 1, command: set(1, 5, 'c1', 1).command, value: 5, result: 'ok' },
      { kind: 'apply', index: 2, command: { type: 'get', client: 'c2', requestId: 1 }, value: 5, result: 'ok' },
      { kind: 'client_response', client: 'c2', requestId: 1, result: { status: 'ok', value: 5 } },
    ]);
    expect([ctx.lastApplied, ctx.value]).toEqual([2, 5]);
  });
  it('a refused request carries hints: the follower\'s next index, or the conflicting term and its first index', () => {
    const ctx = ctxFor('n1', { term: 3, votedFor: null, log: [set(1, 1), set(2, 2), set(2, 3)] });
    rejectInconsistentAppend(ctx, ae(3, 7, 3, []));
    expect(ctx.out.at(-1)!.effect).toMatchObject({ msg: { success: false, conflictIndex: 4 } });
    rejectInconsistentAppend(ctx, ae(3, 3, 3, []));
    expect(ctx.out.at(-1)!.effect).toMatchObject({ msg: { success: false, conflictIndex: 2, conflictTerm: 2 } });
    rejectStaleAppend(ctx, ae(1, 0, 0, []));
    expect(ctx.out.at(-1)!.effect).toMatchObject({ msg: { success: false, term: 3 } });
  });
});

describe('Figure 2, Leaders', () => {
  const leader = () => {
    const ctx = ctxFor('n1', { term: 2, votedFor: 'n1', log: [set(1, 1), set(2, 2), set(2, 3)] });
    ctx.role = 'leader';
    initLeaderState(ctx);
    return ctx;
  };
  it('on election: nextIndex = last log index + 1, matchIndex = 0; AppendEntries carry entries from nextIndex', () => {
    const ctx = leader();
    expect([...ctx.nextIndex.values()]).toEqual([4, 4]);
    expect([...ctx.matchIndex.values()]).toEqual([0, 0]);
    expect(appendEntriesFor(ctx, 'n2')).toEqual({ prevLogIndex: 3, prevLogTerm: 2, entries: [] });
    ctx.nextIndex.set('n2', 2);
    expect(appendEntriesFor(ctx, 'n2')).toEqual({ prevLogIndex: 1, prevLogTerm: 1, entries: [set(2, 2), set(2, 3)] });
  });
  it('rule 3.1: success moves matchIndex and nextIndex forward only', () => {
    const ctx = leader();
    recordReplication(ctx, aer('n2', 2, true, { matchIndex: 3 }));
    recordReplication(ctx, aer('n2', 2, true, { matchIndex: 1 })); // reordered, older
    expect([ctx.matchIndex.get('n2'), ctx.nextIndex.get('n2')]).toEqual([3, 4]);
  });
  it('rule 3.2: failure backs nextIndex off, past a whole conflicting term, never below matchIndex + 1', () => {
    const ctx = leader();
    backOffNextIndex(ctx, aer('n2', 2, false, { conflictIndex: 2 }));
    expect(ctx.nextIndex.get('n2')).toBe(2);
    backOffNextIndex(ctx, aer('n3', 2, false, { conflictIndex: 2, conflictTerm: 1 }));
    expect(ctx.nextIndex.get('n3')).toBe(2); // last entry of term 1 is index 1
    backOffNextIndex(ctx, aer('n3', 2, false, { conflictIndex: 1, conflictTerm: 7 }));
    expect(ctx.nextIndex.get('n3')).toBe(1); // unknown term: use the index
    ctx.matchIndex.set('n3', 2);
    backOffNextIndex(ctx, aer('n3', 2, false, {}));
    expect(ctx.nextIndex.get('n3')).toBe(3);
  });
  it('rule 4 and Figure 8: commit the largest N on a majority whose entry is of the current term', () => {
    const termAt = (i: number) => [0, 1, 2, 2][i];
    expect(commitIndexFromMatches([3, 0], 3, 2, termAt, 2, 0)).toBe(3);
    expect(commitIndexFromMatches([1, 0], 3, 2, termAt, 2, 0)).toBe(0); // index 1 is of term 1: not by counting
    expect(commitIndexFromMatches([1, 1], 1, 2, termAt, 2, 0)).toBe(0);
    expect(commitIndexFromMatches([2, 0], 3, 2, termAt, 2, 0)).toBe(2); // index 1 commits indirectly with 2
    expect(commitIndexFromMatches([0, 0], 3, 2, termAt, 2, 1)).toBe(1); // never backwards
  });
  it('advanceCommitIndex commits and applies; sendMoreEntries helps a lagging follower', () => {
    const ctx = leader();
    ctx.nextIndex.set('n2', 1); // as after backing off
    recordReplication(ctx, aer('n2', 2, true, { matchIndex: 2 }));
    expect(ctx.nextIndex.get('n2')).toBe(3);
    advanceCommitIndex(ctx);
    expect(effects(ctx)).toEqual(['commit', 'apply', 'apply']);
    ctx.out = [];
    sendMoreEntries(ctx, aer('n2', 2, true));
    expect(ctx.out.at(-1)!.effect).toMatchObject({ kind: 'send', msg: { type: 'AppendEntries', to: 'n2', prevLogIndex: 2, entries: [set(2, 3)] } });
    ctx.out = [];
    recordReplication(ctx, aer('n3', 2, true, { matchIndex: 3 }));
    sendMoreEntries(ctx, aer('n3', 2, true));
    expect(ctx.out).toEqual([]);
  });
});

describe('§5.3, §8: clients', () => {
  it('the leader appends the command with its client identity; others answer not_leader with the leader they know', () => {
    const ctx = ctxFor();
    ctx.term = 3;
    appendClientCommand(ctx, { client: 'c1', requestId: 4, op: { type: 'cas', expected: 1, value: 2 } });
    expect(ctx.out.map((r) => r.effect)).toEqual([{ kind: 'append', index: 1, entries: [{ term: 3, command: { type: 'cas', expected: 1, value: 2, client: 'c1', requestId: 4 } }] }]);
    expect(ctx.pending.get(1)).toEqual({ client: 'c1', requestId: 4 });
    const f = ctxFor('n2');
    f.leaderId = 'n1';
    rejectNotLeader(f, { client: 'c1', requestId: 5, op: { type: 'get' } });
    expect(f.out[0]!.effect).toEqual({ kind: 'client_response', client: 'c1', requestId: 5, result: { status: 'not_leader', leaderHint: 'n1' } });
  });
  it('a one-node cluster commits a client command at once', () => {
    const ctx = ctxFor('solo', undefined, ['solo']);
    ctx.role = 'leader';
    ctx.term = 1;
    appendClientCommand(ctx, { client: 'c', requestId: 1, op: { type: 'set', value: 5 } });
    expect(effects(ctx)).toEqual(['append', 'commit', 'apply', 'client_response']);
    expect(ctx.value).toBe(5);
  });
});
