/**
 * Leader election (§5.2, §5.4.1; Figure 2, RequestVote RPC and "Candidates").
 */
import { record, type NodeContext } from '../context.js';
import type { RequestVote, RequestVoteResponse } from '../types.js';
import { armElectionTimer } from './timers.js';

/** §5.4.1: a log is at least as up-to-date if its last term is higher, or equal with an index at least as high. */
export function isLogUpToDate(candidateLastTerm: number, candidateLastIndex: number, ownLastTerm: number, ownLastIndex: number): boolean {
  return candidateLastTerm > ownLastTerm || (candidateLastTerm === ownLastTerm && candidateLastIndex >= ownLastIndex);
}

/** Guard (Figure 2, RequestVote 2): votedFor is null or the candidate, and its log is up-to-date. Same term assumed. */
export function canGrantVote(ctx: NodeContext, rv: RequestVote): boolean {
  return (
    rv.term === ctx.term &&
    (ctx.votedFor === null || ctx.votedFor === rv.candidateId) &&
    isLogUpToDate(rv.lastLogTerm, rv.lastLogIndex, ctx.log.lastTerm, ctx.log.lastIndex)
  );
}

/** Effect: vote (persisted before answering), reset the election timer, answer yes. */
export function grantVote(ctx: NodeContext, rv: RequestVote): void {
  if (ctx.votedFor !== rv.candidateId) {
    ctx.votedFor = rv.candidateId;
    record(ctx, { kind: 'vote', votedFor: rv.candidateId });
  }
  armElectionTimer(ctx);
  record(ctx, { kind: 'send', msg: { type: 'RequestVoteResponse', from: ctx.id, to: rv.candidateId, term: ctx.term, voteGranted: true } });
}

/** Effect: answer no, with our term (Figure 2, RequestVote 1 and 2). */
export function rejectVote(ctx: NodeContext, rv: RequestVote): void {
  record(ctx, { kind: 'send', msg: { type: 'RequestVoteResponse', from: ctx.id, to: rv.candidateId, term: ctx.term, voteGranted: false } });
}

/**
 * Effect (Figure 2, Candidates): increment currentTerm, vote for self, reset the election timer,
 * send RequestVote to all. `leadershipTransfer`: the election was started by TimeoutNow
 * (feature `transfer`), and its requests say so. Asked: the voters of the configuration (feature
 * `membership`: a learner's vote would not count; without it every member is a voter; feature
 * `config-on-apply` passes the voters of every configuration that decides the election).
 */
export function startElection(ctx: NodeContext, leadershipTransfer = false, voters: readonly string[] = ctx.configuration.voters): void {
  const electors = voters.filter((v) => v !== ctx.id);
  ctx.term += 1;
  ctx.votedFor = null; // a new term starts without a vote...
  ctx.leaderId = null;
  record(ctx, { kind: 'term', term: ctx.term });
  ctx.votedFor = ctx.id; // ...and the candidate casts it for itself
  record(ctx, { kind: 'vote', votedFor: ctx.id });
  ctx.votes = new Set([ctx.id]);
  ctx.refusals = new Set();
  armElectionTimer(ctx);
  for (const peer of electors) {
    record(ctx, {
      kind: 'send',
      msg: {
        type: 'RequestVote', from: ctx.id, to: peer, term: ctx.term, candidateId: ctx.id, lastLogIndex: ctx.log.lastIndex, lastLogTerm: ctx.log.lastTerm,
        ...(leadershipTransfer ? { leadershipTransfer: true } : {}),
      },
    });
  }
}

/** Guard: a granted vote of the current term (votes of older terms never count). */
export function isVoteForCurrentTerm(ctx: NodeContext, r: RequestVoteResponse): boolean {
  return r.term === ctx.term && r.voteGranted;
}

/** Effect: count the vote; a set, so a duplicated response counts once. */
export function countVote(ctx: NodeContext, r: RequestVoteResponse): void {
  ctx.votes.add(r.from);
}

/** Guard: votes from a majority of the members (the candidate's own included). */
export function hasVoteMajority(ctx: NodeContext): boolean {
  return ctx.votes.size >= ctx.majority;
}
