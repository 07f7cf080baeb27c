/**
 * The leader lease: what PreVote and CheckQuorum both mean by "has heard from a leader within
 * the minimum election timeout" (thesis §9.6, §4.2.3). The reference has no clock, so the lease
 * is a timer like the others: hearing from the leader of its term (a current-term
 * AppendEntries) re-arms the `lease` timer for the minimum election timeout, and its firing
 * (`timeout{lease}`) ends the lease. A leader is its own live leader. Adopting a new term or
 * starting an election forgets the leader (`leaderId` null), and with it the lease.
 *
 * Composed into the chart when prevote or checkquorum is on (./compose.ts).
 */
import { record, type NodeContext } from '../context.js';
import { type ChartConfig, transitionWith, transitionWithIfAny } from '../chart.js';
import type { Args } from '../events.js';

/** Guard: the node believes a leader is alive — it is the leader, or heard from it within the minimum election timeout. */
export function inLease(ctx: NodeContext): boolean {
  return ctx.role === 'leader' || (ctx.leaderId !== null && ctx.leaseHeld);
}

/** Effect: the node just heard from its leader: the lease runs for the minimum election timeout from now. */
export function renewLease(ctx: NodeContext): void {
  ctx.leaseHeld = true;
  record(ctx, { kind: 'set_timer', timer: 'lease', after: ctx.config.electionTimeout.min });
}

export function expireLease(ctx: NodeContext): void {
  ctx.leaseHeld = false;
}

export const leaseGuards = {
  inLease: ({ context }: Args) => inLease(context),
};

export const leaseActions = {
  renewLease: ({ context }: Args) => renewLease(context),
  expireLease: ({ context }: Args) => expireLease(context),
};

/** A follower that heeds a current-term AppendEntries renews the lease; the lease timer ends it in any state. */
export function addLease(chart: ChartConfig): void {
  for (const action of ['acceptAppendEntries', 'rejectInconsistentAppend']) {
    const t = transitionWith(chart, 'follower', 'AppendEntries', action);
    t.actions = ['renewLease', ...t.actions!];
  }
  // With feature heartbeat, a current-term Heartbeat is the leader heard from too.
  const beat = transitionWithIfAny(chart, 'follower', 'Heartbeat', 'acceptHeartbeat');
  if (beat) beat.actions = ['renewLease', ...beat.actions!];
  for (const state of Object.values(chart.states)) state.on.LEASE_TIMEOUT = [{ actions: ['expireLease'] }];
}
