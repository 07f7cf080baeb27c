/**
 * Term rules that every state applies first (Figure 2, "Rules for Servers, All Servers"): a
 * higher term in any message makes the receiver adopt it, forget its vote and be a follower
 * *before* it handles the message; a lower term marks the message as stale.
 */
import { record, type NodeContext } from '../context.js';

/** Guard: the message carries a term above ours. */
export function hasHigherTerm(ctx: NodeContext, messageTerm: number): boolean {
  return messageTerm > ctx.term;
}

/** Guard: the message is from an older term. */
export function isStaleTerm(ctx: NodeContext, messageTerm: number): boolean {
  return messageTerm < ctx.term;
}

/** Effect: currentTerm = T, votedFor = null; the leader of the new term is not known yet. */
export function adoptTerm(ctx: NodeContext, term: number): void {
  ctx.term = term;
  ctx.votedFor = null;
  ctx.leaderId = null;
  record(ctx, { kind: 'term', term });
}
