/**
 * Heartbeats as a message of their own (etcd-raft's MsgHeartbeat and MsgHeartbeatResp).
 *
 * - A leader's heartbeat timer sends every peer a `Heartbeat` instead of an AppendEntries. It
 *   carries no log position, only `commit` = min(matchIndex[peer], commitIndex): the entries
 *   up to matchIndex[peer] are known to be the leader's on that peer (it acknowledged them in
 *   this term, and within a term a leader's requests never truncate what matches), so the
 *   peer may commit them without a log check.
 * - A follower (a candidate or pre-candidate of the term first becomes one) heeds the leader
 *   as it would an AppendEntries (its election timer, the lease), advances its commitIndex to
 *   `commit` — never backwards, never past its own log — and answers `HeartbeatResponse`.
 * - A leader that hears a current-term HeartbeatResponse from a peer whose log lags its own
 *   sends it an AppendEntries (etcd does; any leader may send one at any time).
 *
 * A stale Heartbeat is refused like a stale AppendEntries: an AppendEntriesResponse with the
 * receiver's term (etcd sends that, with pre-vote or check-quorum on, and ignores it otherwise;
 * a stale request may go unanswered). A leader's first AppendEntries when it takes office, and
 * everything else about replication, are Figure 2's.
 */
import { record, type NodeContext } from '../context.js';
import { type ChartConfig, stepDown, stepDownAndRetry } from '../chart.js';
import { msg, type Args } from '../events.js';
import { commitUpTo } from '../rules/apply.js';
import { sendAppendEntries } from '../rules/replication.js';
import { armElectionTimer } from '../rules/timers.js';
import type { Heartbeat, HeartbeatResponse } from '../types.js';

/** What a leader's Heartbeat to `peer` may carry: what the peer holds of the leader's log, committed. */
export function heartbeatCommit(ctx: NodeContext, peer: string): number {
  return Math.min(ctx.matchIndex.get(peer) ?? 0, ctx.commitIndex);
}

/** Effect: a Heartbeat to every peer. */
export function broadcastHeartbeats(ctx: NodeContext): void {
  for (const peer of ctx.peers) {
    record(ctx, { kind: 'send', msg: { type: 'Heartbeat', from: ctx.id, to: peer, term: ctx.term, commit: heartbeatCommit(ctx, peer) } });
  }
}

/** Effect: heed the leader and commit up to the heartbeat's commit (never backwards, never past the log). */
export function heedHeartbeat(ctx: NodeContext, hb: Heartbeat): void {
  ctx.leaderId = hb.from;
  armElectionTimer(ctx);
  const commit = Math.min(hb.commit, ctx.log.lastIndex);
  commitUpTo(ctx, commit);
}

/** Effect: heed the heartbeat (heedHeartbeat), then answer it. */
export function acceptHeartbeat(ctx: NodeContext, hb: Heartbeat): void {
  heedHeartbeat(ctx, hb);
  record(ctx, { kind: 'send', msg: { type: 'HeartbeatResponse', from: ctx.id, to: hb.from, term: ctx.term } });
}

/** Effect: a peer that answered a heartbeat but lags the leader's log gets entries. */
export function catchUpAfterHeartbeat(ctx: NodeContext, r: HeartbeatResponse): void {
  if ((ctx.matchIndex.get(r.from) ?? 0) < ctx.log.lastIndex) sendAppendEntries(ctx, r.from);
}

export const heartbeatGuards = {
  isCurrentHeartbeatResponse: (a: Args) => msg<HeartbeatResponse>(a).term === a.context.term,
};

export const heartbeatActions = {
  broadcastHeartbeats: ({ context }: Args) => broadcastHeartbeats(context),
  acceptHeartbeat: (a: Args) => acceptHeartbeat(a.context, msg<Heartbeat>(a)),
  /** A stale Heartbeat answered as a stale AppendEntries is: with our term, which deposes its sender. */
  rejectStaleHeartbeat: (a: Args) => {
    record(a.context, { kind: 'send', msg: { type: 'AppendEntriesResponse', from: a.context.id, to: msg<Heartbeat>(a).from, term: a.context.term, success: false } });
  },
  catchUpAfterHeartbeat: (a: Args) => catchUpAfterHeartbeat(a.context, msg<HeartbeatResponse>(a)),
};

/**
 * The leader's heartbeat tick sends Heartbeats; every state answers them as it answers an
 * AppendEntries of the same term (a candidate of the term becomes follower first); the leader
 * takes a current-term answer as a sign of life.
 */
export function addHeartbeat(chart: ChartConfig): void {
  const leader = chart.states.leader!;
  leader.on.HEARTBEAT_TIMEOUT = [{ actions: ['broadcastHeartbeats', 'armHeartbeatTimer'] }];
  leader.on.Heartbeat = [stepDownAndRetry(), { guard: 'isStaleTerm', actions: ['rejectStaleHeartbeat'] }];
  leader.on.HeartbeatResponse = [stepDown(), { guard: 'isCurrentHeartbeatResponse', actions: ['catchUpAfterHeartbeat'] }];
  chart.states.follower!.on.Heartbeat = [
    { guard: 'hasHigherTerm', actions: ['adoptTerm', 'handleAgain'] },
    { guard: 'isStaleTerm', actions: ['rejectStaleHeartbeat'] },
    { actions: ['acceptHeartbeat'] },
  ];
  chart.states.follower!.on.HeartbeatResponse = [{ guard: 'hasHigherTerm', actions: ['adoptTerm'] }];
  for (const state of ['candidate', 'precandidate']) {
    const s = chart.states[state];
    if (!s) continue;
    // A leader of our own term exists: return to follower and let it handle the heartbeat.
    s.on.Heartbeat = [stepDownAndRetry(), { guard: 'isStaleTerm', actions: ['rejectStaleHeartbeat'] }, { target: 'follower', actions: ['handleAgain'] }];
    s.on.HeartbeatResponse = [stepDown()];
  }
}
