/**
 * A lost election (an implementation's freedom, spec/CONFORMANCE.md, "election lost"). Figure 2
 * keeps a candidate candidate until it wins, hears from a leader or times out; the reference
 * does. But a candidate refused by so many servers that the rest cannot make a majority cannot
 * win that term, and may return to follower at once, as etcd does (`VoteLost`): it keeps its
 * term and its vote (for itself), and a follower handles every message of that term as the
 * candidate would, so nothing it does afterwards differs but its role (thesis §3.4: a
 * candidate "times out and starts a new election" — as a follower does). The same holds for a
 * pre-candidate refused pre-votes by such servers. The reference never takes this step
 * itself: the `ELECTION_LOST` event comes only from the conformance checker, when a node logs
 * the step-down (`ReferenceRaftNode.concedeElection`).
 */
import type { NodeContext } from '../context.js';
import type { PreVoteResponse, RequestVoteResponse } from '../types.js';

/** Guard: a refusal of the current term (a refusal carries the refusing server's term). */
export function isRefusalForCurrentTerm(ctx: NodeContext, r: RequestVoteResponse | PreVoteResponse): boolean {
  return !r.voteGranted && r.term === ctx.term;
}

/** Effect: remember who refused (a set: a duplicate counts once). */
export function countRefusal(ctx: NodeContext, r: RequestVoteResponse | PreVoteResponse): void {
  ctx.refusals.add(r.from);
}

/**
 * Whether the servers that refused, other than those that granted, leave too few to make a
 * majority of the voters: for 3 or 5 voters, refusals from a majority; for 4, from 2 (etcd's tally).
 */
function cannotWin(ctx: NodeContext, granted: ReadonlySet<string>): boolean {
  // Voters only (feature `membership`: a learner neither votes nor counts; without it every member is a voter).
  const { voters } = ctx.configuration;
  let refused = 0;
  for (const id of ctx.refusals) if (!granted.has(id) && voters.includes(id)) refused++;
  return voters.length - refused < ctx.majority;
}

/** Guard: a candidate cannot win its election any more. */
export function electionLost(ctx: NodeContext): boolean {
  return cannotWin(ctx, ctx.votes);
}

/** Guard: a pre-candidate cannot win its pre-vote round any more. */
export function preVoteLost(ctx: NodeContext): boolean {
  return cannotWin(ctx, ctx.preVotes);
}
