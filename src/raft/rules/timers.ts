/**
 * Timer rules. Time is not the node's: it only arms and disarms timers, and the driver fires
 * them as explicit events. The election timeout is redrawn uniformly on every reset (§5.2),
 * which is what makes split votes rare.
 */
import type { Random } from '../../random.js';
import { record, type NodeContext } from '../context.js';

export function drawElectionTimeout(range: { min: number; max: number }, random: Random): number {
  return random.int(range.min, range.max);
}

export function armElectionTimer(ctx: NodeContext): void {
  record(ctx, { kind: 'set_timer', timer: 'election', after: drawElectionTimeout(ctx.config.electionTimeout, ctx.random) });
}

export function cancelElectionTimer(ctx: NodeContext): void {
  record(ctx, { kind: 'cancel_timer', timer: 'election' });
}

export function armHeartbeatTimer(ctx: NodeContext): void {
  record(ctx, { kind: 'set_timer', timer: 'heartbeat', after: ctx.config.heartbeatInterval });
}

export function cancelHeartbeatTimer(ctx: NodeContext): void {
  record(ctx, { kind: 'cancel_timer', timer: 'heartbeat' });
}
