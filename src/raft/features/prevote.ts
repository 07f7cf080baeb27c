/**
 * PreVote (Ongaro's thesis §9.6). A follower (or candidate) whose election timer fires becomes
 * a pre-candidate: without changing its term or vote, it asks every peer `PreVote` for
 * term + 1. A server grants a pre-vote if it would vote for that candidate in that term — the
 * term is above its own, or equal with no other vote cast, and the candidate's log is at least
 * as up-to-date — and it has not heard from a leader within the minimum election timeout (the
 * lease, ./lease.ts). Granting changes nothing on the granting server. Only with pre-votes
 * from a majority (its own included) does the pre-candidate become candidate and start the
 * real election of Figure 2. So a server that cannot win — partitioned away, with a stale log,
 * or facing a live leader — never raises its term, and never deposes a healthy leader when it
 * comes back.
 *
 * A granted PreVoteResponse carries the PreVote's term (it never makes anyone adopt it); a
 * refusal carries the refusing server's currentTerm, which a pre-candidate behind it adopts.
 */
import { record, type NodeContext } from '../context.js';
import { type ChartConfig, stepDownAndRetry, transitionsOf } from '../chart.js';
import { msg, type Args, enterRole } from '../events.js';
import { isLogUpToDate } from '../rules/election.js';
import { preVoteLost } from '../rules/election-lost.js';
import { armElectionTimer } from '../rules/timers.js';
import type { PreVote, PreVoteResponse } from '../types.js';
import { inLease } from './lease.js';

/** Guard: the server would vote for this candidate in the PreVote's term, and believes no leader alive. */
export function canGrantPreVote(ctx: NodeContext, pv: PreVote): boolean {
  const wouldVote = pv.term > ctx.term || (pv.term === ctx.term && (ctx.votedFor === null || ctx.votedFor === pv.candidateId));
  return wouldVote && !inLease(ctx) && isLogUpToDate(pv.lastLogTerm, pv.lastLogIndex, ctx.log.lastTerm, ctx.log.lastIndex);
}

/** Effect: answer yes with the PreVote's term; nothing changes here (no vote, no term, no timer). */
export function grantPreVote(ctx: NodeContext, pv: PreVote): void {
  record(ctx, { kind: 'send', msg: { type: 'PreVoteResponse', from: ctx.id, to: pv.candidateId, term: pv.term, voteGranted: true } });
}

/** Effect: answer no, with our term. */
export function rejectPreVote(ctx: NodeContext, pv: PreVote): void {
  record(ctx, { kind: 'send', msg: { type: 'PreVoteResponse', from: ctx.id, to: pv.candidateId, term: ctx.term, voteGranted: false } });
}

/**
 * Effect: a pre-vote round for term + 1: no term or vote change; forget the leader; reset the
 * election timer; ask every voter of the configuration (feature `membership`: a learner's
 * pre-vote would not count; without it every member is a voter).
 */
export function startPreVote(ctx: NodeContext): void {
  ctx.leaderId = null;
  ctx.preVotes = new Set([ctx.id]);
  ctx.refusals = new Set();
  armElectionTimer(ctx);
  for (const peer of ctx.configuration.voters) {
    if (peer === ctx.id) continue;
    record(ctx, {
      kind: 'send',
      msg: { type: 'PreVote', from: ctx.id, to: peer, term: ctx.term + 1, candidateId: ctx.id, lastLogIndex: ctx.log.lastIndex, lastLogTerm: ctx.log.lastTerm },
    });
  }
}

/**
 * Guard: a pre-vote granted for this round's term (term + 1), by a server that has not refused
 * this round: a server's first answer in a round is the one that counts (etcd's vote tracker
 * does so; a later grant left uncounted is what its loss would do, spec/CONFORMANCE.md).
 */
export function isPreVoteForThisRound(ctx: NodeContext, r: PreVoteResponse): boolean {
  return r.voteGranted && r.term === ctx.term + 1 && !ctx.refusals.has(r.from);
}

/** Guard: a refusal from a server in a higher term: adopt it (a grant's term never counts as the sender's). */
export function isHigherTermRefusal(ctx: NodeContext, r: PreVoteResponse): boolean {
  return !r.voteGranted && r.term > ctx.term;
}

/**
 * Guard: pre-votes from a majority of the voters of the pre-candidate's configuration — its own
 * counted only if it is one of them (feature `membership`: a server removed by an uncommitted
 * change may still stand, but counts no vote of its own; a learner's grant never counts).
 */
export function hasPreVoteMajority(ctx: NodeContext): boolean {
  let n = 0;
  for (const v of ctx.preVotes) if (ctx.configuration.voters.includes(v)) n++;
  return n >= ctx.majority;
}

export const prevoteGuards = {
  canGrantPreVote: (a: Args) => canGrantPreVote(a.context, msg<PreVote>(a)),
  isPreVoteForThisRound: (a: Args) => isPreVoteForThisRound(a.context, msg<PreVoteResponse>(a)),
  isHigherTermRefusal: (a: Args) => isHigherTermRefusal(a.context, msg<PreVoteResponse>(a)),
  hasPreVoteMajority: ({ context }: Args) => hasPreVoteMajority(context),
  preVoteLost: ({ context }: Args) => preVoteLost(context),
};

export const prevoteActions = {
  becomePreCandidate: ({ context }: Args) => enterRole(context, 'precandidate'),
  startPreVote: ({ context }: Args) => startPreVote(context),
  grantPreVote: (a: Args) => grantPreVote(a.context, msg<PreVote>(a)),
  rejectPreVote: (a: Args) => rejectPreVote(a.context, msg<PreVote>(a)),
  countPreVote: (a: Args) => {
    a.context.preVotes.add(msg<PreVoteResponse>(a).from);
  },
};

/**
 * The pre-candidate state, entered where an election timeout would start an election; PreVote
 * answered in every state; a late refusal from a higher term adopted in every state.
 */
export function addPreVote(chart: ChartConfig): void {
  const candidate = chart.states.candidate!;
  chart.states = {
    follower: chart.states.follower!,
    precandidate: {
      entry: ['becomePreCandidate', 'startPreVote'],
      always: [{ guard: 'hasPreVoteMajority', target: 'candidate' }],
      on: {
        ELECTION_TIMEOUT: [{ target: 'precandidate', reenter: true }],
        PreVoteResponse: [
          { guard: 'isHigherTermRefusal', target: '#raft.follower', actions: ['adoptTerm'] },
          { guard: 'isPreVoteForThisRound', actions: ['countPreVote'] },
          { guard: 'isRefusalForCurrentTerm', actions: ['countRefusal'] },
        ],
        // Never raised by the reference itself: an implementation's freedom (rules/election-lost.ts).
        ELECTION_LOST: [{ guard: 'preVoteLost', target: 'follower' }],
        // Like a candidate's: a vote may be granted (votedFor is of the current term), a leader returns it to follower.
        RequestVote: structuredClone(candidate.on.RequestVote!),
        // Refusals of votes are not refusals of pre-votes (etcd's pre-candidate counts only pre-vote answers).
        RequestVoteResponse: structuredClone(candidate.on.RequestVoteResponse!).filter((t) => t.guard !== 'isRefusalForCurrentTerm'),
        AppendEntries: [
          stepDownAndRetry(),
          { guard: 'isStaleTerm', actions: ['rejectStaleAppend'] },
          { target: 'follower', actions: ['handleAgain'] },
        ],
        AppendEntriesResponse: structuredClone(candidate.on.AppendEntriesResponse!),
        CLIENT_REQUEST: [{ actions: ['rejectNotLeader'] }],
      },
    },
    ...Object.fromEntries(Object.entries(chart.states).filter(([key]) => key !== 'follower')),
  };
  // An election timeout starts a pre-vote round, not an election (a split vote too: etcd's hup).
  transitionsOf(chart, 'follower', 'ELECTION_TIMEOUT').splice(0, Infinity, { target: 'precandidate' });
  transitionsOf(chart, 'candidate', 'ELECTION_TIMEOUT').splice(0, Infinity, { target: 'precandidate' });
  for (const [key, state] of Object.entries(chart.states)) {
    // A leader is its own live leader: it grants no pre-vote.
    state.on.PreVote = key === 'leader' ? [{ actions: ['rejectPreVote'] }] : [{ guard: 'canGrantPreVote', actions: ['grantPreVote'] }, { actions: ['rejectPreVote'] }];
    if (key !== 'precandidate') state.on.PreVoteResponse = [{ guard: 'isHigherTermRefusal', ...(key === 'follower' ? {} : { target: '#raft.follower' }), actions: ['adoptTerm'] }];
  }
}
