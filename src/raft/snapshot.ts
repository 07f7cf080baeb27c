/**
 * A reference node's whole state as plain data: the statechart's state and every field of its
 * context that a step reads (Figure 2's persistent and volatile state, the candidate's votes,
 * the leader's nextIndex/matchIndex, the client requests it answers when it applies them).
 * `raftcheck explore` keeps states as snapshots and resumes a node from one to try each of its
 * inputs: the node is still the statechart, only started somewhere other than its initial state.
 * Not kept: the refusals a candidate counts (context.refusals), read only by ELECTION_LOST, which
 * the reference never raises itself (the conformance checker does): explore never takes that
 * step, and keeping them would split states that step alike.
 */
import type { Random } from '../random.js';
import { createContext, type NodeContext } from './context.js';
import type { Entry, NodeConfig, NodeId, RegisterState, Role } from './types.js';

export interface NodeSnapshot {
  /** The statechart's state (equal to `role` for the reference chart). */
  state: string;
  role: Role;
  term: number;
  votedFor: NodeId | null;
  /** Entry 1 at position 0; entries are shared, never mutated. */
  log: readonly Entry[];
  commitIndex: number;
  lastApplied: number;
  value: RegisterState;
  leaderId: NodeId | null;
  /** Candidate: granted votes of the current term, in the order they came. */
  votes: readonly NodeId[];
  /** Leader: per peer, in `config.members` order. */
  nextIndex: ReadonlyArray<readonly [NodeId, number]>;
  matchIndex: ReadonlyArray<readonly [NodeId, number]>;
  /** Log index → the client request appended there (answered when applied). */
  pending: ReadonlyArray<readonly [number, { client: string; requestId: number }]>;
}

export function snapshotOf(ctx: NodeContext, state: string): NodeSnapshot {
  return {
    state,
    role: ctx.role,
    term: ctx.term,
    votedFor: ctx.votedFor,
    log: ctx.log.toArray(),
    commitIndex: ctx.commitIndex,
    lastApplied: ctx.lastApplied,
    value: ctx.value,
    leaderId: ctx.leaderId,
    votes: [...ctx.votes],
    nextIndex: [...ctx.nextIndex],
    matchIndex: [...ctx.matchIndex],
    pending: [...ctx.pending].map(([i, p]) => [i, { client: p.client, requestId: p.requestId }] as const),
  };
}

/** A context holding `snapshot` (the persistent part through createContext, then the volatile part). */
export function contextFromSnapshot(config: NodeConfig, random: Random, snapshot: NodeSnapshot): NodeContext {
  // The log's entries are copied by RaftLog itself (createContext only reads `log`: no copy of it here);
  // the collections are made here once, not made empty and replaced (explore resumes a node per step).
  const pending = new Map<number, { client: string; requestId: number }>();
  for (const [i, p] of snapshot.pending) pending.set(i, { client: p.client, requestId: p.requestId });
  const ctx = createContext(config, random, { term: snapshot.term, votedFor: snapshot.votedFor, log: snapshot.log as Entry[] }, {
    votes: new Set(snapshot.votes),
    nextIndex: new Map(snapshot.nextIndex),
    matchIndex: new Map(snapshot.matchIndex),
    pending,
  });
  ctx.role = snapshot.role;
  ctx.commitIndex = snapshot.commitIndex;
  ctx.lastApplied = snapshot.lastApplied;
  ctx.value = snapshot.value;
  ctx.leaderId = snapshot.leaderId;
  return ctx;
}
