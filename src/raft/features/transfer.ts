/**
 * Leadership transfer (Ongaro's thesis §3.10). A leader asked to hand leadership to a peer
 * (the `transfer` input) stops accepting client requests (it answers not_leader, hinting the
 * target), brings the target's log up to date by normal replication, and once the target has
 * acknowledged its last entry sends it `TimeoutNow`. The target then starts an election at
 * once — as if its election timer fired, but without a pre-vote round — and its RequestVotes
 * say so (`leadershipTransfer`), so servers that believe the old leader alive still answer
 * them (§4.2.3). If the transfer has not completed within an election timeout (the `transfer`
 * timer, the maximum election timeout), the leader gives up and takes requests again.
 */
import { record, type NodeContext } from '../context.js';
import { type ChartConfig, stepDownAndRetry, transitionsOf, transitionWith } from '../chart.js';
import { msg, request, type Args } from '../events.js';
import { startElection } from '../rules/election.js';
import { sendReplication } from './snapshot.js';
import type { AppendEntriesResponse } from '../types.js';

/** The target has acknowledged the leader's whole log. */
export function isCaughtUp(ctx: NodeContext, peer: string): boolean {
  return (ctx.matchIndex.get(peer) ?? 0) === ctx.log.lastIndex;
}

export function sendTimeoutNow(ctx: NodeContext, peer: string): void {
  record(ctx, { kind: 'send', msg: { type: 'TimeoutNow', from: ctx.id, to: peer, term: ctx.term } });
}

/** Effect: start handing leadership to `target`: a deadline, then TimeoutNow now or entries first. */
export function startTransfer(ctx: NodeContext, target: string): void {
  ctx.transferTarget = target;
  record(ctx, { kind: 'set_timer', timer: 'transfer', after: ctx.config.electionTimeout.max });
  if (isCaughtUp(ctx, target)) sendTimeoutNow(ctx, target);
  else sendReplication(ctx, target); // AppendEntries, or the snapshot if the target needs a discarded entry
}

/** Whether `peer` may be handed leadership: a voter of the leader's configuration, not the leader. */
export function isTransferTarget(ctx: NodeContext, peer: string): boolean {
  return peer !== ctx.id && ctx.configuration.voters.includes(peer);
}

function target({ event }: Args): string {
  if (event.type !== 'TRANSFER_LEADERSHIP') throw new Error(`event ${event.type} is not a transfer request`);
  return event.target;
}

export const transferGuards = {
  /**
   * A voter of the configuration other than the leader and than the one a transfer is already
   * under way to (feature `membership`: a learner or a server outside the configuration could
   * not be elected, nor stand; without it every member is a voter).
   */
  isNewTransferTarget: (a: Args) => isTransferTarget(a.context, target(a)) && a.context.transferTarget !== target(a),
  isTransferring: ({ context }: Args) => context.transferTarget !== null,
};

export const transferActions = {
  startTransfer: (a: Args) => startTransfer(a.context, target(a)),
  /** The target acknowledged entries: if it now holds the whole log, tell it to stand. */
  continueTransfer: (a: Args) => {
    const r = msg<AppendEntriesResponse>(a);
    if (a.context.transferTarget === r.from && isCaughtUp(a.context, r.from)) sendTimeoutNow(a.context, r.from);
  },
  abortTransfer: ({ context }: Args) => {
    context.transferTarget = null;
  },
  endTransfer: ({ context }: Args) => {
    context.transferTarget = null;
    record(context, { kind: 'cancel_timer', timer: 'transfer' });
  },
  rejectDuringTransfer: (a: Args) => {
    const req = request(a);
    record(a.context, { kind: 'client_response', client: req.client, requestId: req.requestId, result: { status: 'not_leader', leaderHint: a.context.transferTarget } });
  },
  markTransferElection: ({ context }: Args) => {
    context.transferElection = true;
  },
  /** The candidate's election, flagged as a transfer's when TimeoutNow started it. */
  startElectionMaybeTransfer: ({ context }: Args) => {
    context.electionByTransfer = context.transferElection;
    context.transferElection = false;
    startElection(context, context.electionByTransfer);
  },
};

export function addTransfer(chart: ChartConfig): void {
  const leader = chart.states.leader!;
  leader.exit = [...(leader.exit ?? []), 'endTransfer'];
  leader.on.TRANSFER_LEADERSHIP = [{ guard: 'isNewTransferTarget', actions: ['startTransfer'] }];
  leader.on.TRANSFER_TIMEOUT = [{ actions: ['abortTransfer'] }];
  transitionsOf(chart, 'leader', 'CLIENT_REQUEST').unshift({ guard: 'isTransferring', actions: ['rejectDuringTransfer'] });
  const success = transitionWith(chart, 'leader', 'AppendEntriesResponse', 'recordReplication');
  success.actions = [...success.actions!, 'continueTransfer'];
  const candidate = chart.states.candidate!;
  candidate.entry = candidate.entry.map((a) => (a === 'startElection' ? 'startElectionMaybeTransfer' : a));
  // TimeoutNow of the current term: stand at once (a pre-candidate too: the leader asked).
  chart.states.follower!.on.TimeoutNow = [
    { guard: 'hasHigherTerm', actions: ['adoptTerm', 'handleAgain'] },
    { guard: 'isStaleTerm' },
    { target: 'candidate', actions: ['markTransferElection'] },
  ];
  if (chart.states.precandidate) {
    chart.states.precandidate.on.TimeoutNow = [stepDownAndRetry(), { guard: 'isStaleTerm' }, { target: 'candidate', actions: ['markTransferElection'] }];
  }
  candidate.on.TimeoutNow = [stepDownAndRetry()];
  leader.on.TimeoutNow = [stepDownAndRetry()];
}
