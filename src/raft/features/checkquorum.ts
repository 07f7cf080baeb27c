/**
 * CheckQuorum (Ongaro's thesis §6.2) and leader stickiness (§4.2.3, as etcd pairs them).
 *
 * - A leader checks, every election timeout (the `quorum` timer, armed for the maximum election
 *   timeout when it takes office and after each check), that it heard from a majority — a
 *   current-term AppendEntriesResponse from enough peers, itself included — since the last
 *   check; if not, it steps down to follower in the same term (a leader cut off from a
 *   majority stops serving).
 * - A server that believes a leader is alive (the lease, ./lease.ts) refuses a RequestVote of
 *   its term or above without adopting its term — unless the election was started by a
 *   leadership transfer (RequestVote.leadershipTransfer, feature `transfer`). The refusal
 *   carries its own term; an implementation may ignore such a request instead (etcd does).
 */
import { record, type NodeContext } from '../context.js';
import { type ChartConfig, transitionsOf, transitionWith, transitionWithIfAny } from '../chart.js';
import { msg, type Args } from '../events.js';
import type { AppendEntriesResponse, RequestVote } from '../types.js';
import { inLease } from './lease.js';

/** Guard: a RequestVote that would disrupt a leader this server believes alive. */
export function isDisruptiveVoteRequest(ctx: NodeContext, rv: RequestVote): boolean {
  return rv.term >= ctx.term && rv.leadershipTransfer !== true && inLease(ctx);
}

/**
 * Guard: the leader heard from a majority of the voters of its configuration since its last
 * check, itself included if it is one (feature `membership`: a learner's answers do not count,
 * a voter's do from whenever they came; a leader removed by an uncommitted change counts not
 * itself). Without membership every member is a voter.
 */
export function hasQuorumContact(ctx: NodeContext): boolean {
  const { voters } = ctx.configuration;
  let n = voters.includes(ctx.id) ? 1 : 0;
  for (const p of ctx.recentlyActive) if (p !== ctx.id && voters.includes(p)) n++;
  return n >= ctx.majority;
}

/** Effect: forget who was heard from and check again one (maximum) election timeout from now. */
export function startQuorumCheck(ctx: NodeContext): void {
  ctx.recentlyActive = new Set();
  record(ctx, { kind: 'set_timer', timer: 'quorum', after: ctx.config.electionTimeout.max });
}

export const checkQuorumGuards = {
  isDisruptiveVoteRequest: (a: Args) => isDisruptiveVoteRequest(a.context, msg<RequestVote>(a)),
  hasQuorumContact: ({ context }: Args) => hasQuorumContact(context),
};

export const checkQuorumActions = {
  startQuorumCheck: ({ context }: Args) => startQuorumCheck(context),
  cancelQuorumTimer: ({ context }: Args) => record(context, { kind: 'cancel_timer', timer: 'quorum' }),
  markActive: (a: Args) => {
    a.context.recentlyActive.add(msg<AppendEntriesResponse>(a).from);
  },
  /** A leader that lost its quorum knows no leader: it steps down in its own term. */
  loseLeadership: ({ context }: Args) => {
    context.leaderId = null;
  },
  /** Effect: refuse without adopting the request's term (it may be a higher one). */
  rejectVoteInLease: (a: Args) => {
    const rv = msg<RequestVote>(a);
    record(a.context, { kind: 'send', msg: { type: 'RequestVoteResponse', from: a.context.id, to: rv.candidateId, term: a.context.term, voteGranted: false } });
  },
};

export function addCheckQuorum(chart: ChartConfig): void {
  const leader = chart.states.leader!;
  leader.entry = [...leader.entry, 'startQuorumCheck'];
  leader.exit = [...(leader.exit ?? []), 'cancelQuorumTimer'];
  leader.on.QUORUM_TIMEOUT = [{ guard: 'hasQuorumContact', actions: ['startQuorumCheck'] }, { target: 'follower', actions: ['loseLeadership'] }];
  // Any current-term answer shows the peer is there.
  for (const action of ['recordReplication', 'backOffNextIndex']) {
    const t = transitionWith(chart, 'leader', 'AppendEntriesResponse', action);
    t.actions = ['markActive', ...t.actions!];
  }
  // With feature heartbeat, a current-term HeartbeatResponse too (etcd's RecentActive).
  const beat = transitionWithIfAny(chart, 'leader', 'HeartbeatResponse', 'catchUpAfterHeartbeat');
  if (beat) beat.actions = ['markActive', ...beat.actions!];
  // Leader stickiness, before the higher-term step-down (which would adopt the term).
  for (const state of ['follower', 'leader']) transitionsOf(chart, state, 'RequestVote').unshift({ guard: 'isDisruptiveVoteRequest', actions: ['rejectVoteInLease'] });
}
