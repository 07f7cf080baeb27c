/**
 * Log replication (§5.3, §5.4.2; Figure 2, AppendEntries RPC and "Leaders").
 */
import { record, type NodeContext } from '../context.js';
import type { AppendEntries, AppendEntriesResponse, Entry } from '../types.js';
import { commitUpTo } from './apply.js';
import { armElectionTimer } from './timers.js';

/** Guard (AppendEntries 2): the log holds an entry at prevLogIndex whose term is prevLogTerm. */
export function logMatchesAt(ctx: NodeContext, prevLogIndex: number, prevLogTerm: number): boolean {
  return ctx.log.termAt(prevLogIndex) === prevLogTerm;
}

/** A current-term AppendEntries (or InstallSnapshot) comes from the leader: remember it and keep the election timer from firing. */
export function heedLeader(ctx: NodeContext, ae: Pick<AppendEntries, 'leaderId'>): void {
  ctx.leaderId = ae.leaderId;
  armElectionTimer(ctx);
}

/**
 * Effect (AppendEntries 3-5): delete entries only from the first conflict on (a stale or
 * duplicated request whose entries all match deletes nothing), append the new ones, advance
 * commitIndex to min(leaderCommit, index of the last new entry), apply, and answer.
 */
export function acceptAppendEntries(ctx: NodeContext, ae: AppendEntries): void {
  heedLeader(ctx, ae);
  const { entries, prevLogIndex } = ae;
  for (let k = 0; k < entries.length; k++) {
    const index = prevLogIndex + 1 + k;
    const existing = ctx.log.termAt(index);
    if (existing === entries[k]!.term) continue;
    if (existing !== undefined) {
      ctx.log.truncateFrom(index);
      record(ctx, { kind: 'truncate', fromIndex: index });
    }
    const fresh = entries.slice(k);
    ctx.log.append(fresh);
    record(ctx, { kind: 'append', index, entries: fresh });
    break;
  }
  const lastNew = prevLogIndex + entries.length;
  const commit = Math.min(ae.leaderCommit, lastNew);
  commitUpTo(ctx, commit);
  record(ctx, { kind: 'send', msg: { type: 'AppendEntriesResponse', from: ctx.id, to: ae.leaderId, term: ctx.term, success: true, matchIndex: lastNew } });
}

/** Effect (AppendEntries 2 fails): answer no, with a hint of where the logs may agree (fast backup). */
export function rejectInconsistentAppend(ctx: NodeContext, ae: AppendEntries): void {
  heedLeader(ctx, ae);
  const hint =
    ae.prevLogIndex > ctx.log.lastIndex
      ? { conflictIndex: ctx.log.lastIndex + 1 }
      : (() => {
          const conflictTerm = ctx.log.termAt(ae.prevLogIndex)!;
          return { conflictIndex: ctx.log.firstIndexOfTerm(conflictTerm, ae.prevLogIndex), conflictTerm };
        })();
  record(ctx, { kind: 'send', msg: { type: 'AppendEntriesResponse', from: ctx.id, to: ae.leaderId, term: ctx.term, success: false, ...hint } });
}

/** Effect (AppendEntries 1): a request from an older term is refused with our term, which deposes its sender. */
export function rejectStaleAppend(ctx: NodeContext, ae: AppendEntries): void {
  record(ctx, { kind: 'send', msg: { type: 'AppendEntriesResponse', from: ctx.id, to: ae.leaderId, term: ctx.term, success: false } });
}

/** The AppendEntries a leader sends to `peer` now: entries from nextIndex, at most maxEntriesPerMessage. */
export function appendEntriesFor(ctx: NodeContext, peer: string): { prevLogIndex: number; prevLogTerm: number; entries: Entry[] } {
  const next = ctx.nextIndex.get(peer) ?? ctx.log.lastIndex + 1;
  const prevLogIndex = next - 1;
  return { prevLogIndex, prevLogTerm: ctx.log.termAt(prevLogIndex) ?? 0, entries: ctx.log.slice(next, ctx.config.maxEntriesPerMessage) };
}

export function sendAppendEntries(ctx: NodeContext, peer: string): void {
  const { prevLogIndex, prevLogTerm, entries } = appendEntriesFor(ctx, peer);
  record(ctx, {
    kind: 'send',
    msg: { type: 'AppendEntries', from: ctx.id, to: peer, term: ctx.term, leaderId: ctx.id, prevLogIndex, prevLogTerm, entries, leaderCommit: ctx.commitIndex },
  });
}

/** Effect (Leaders 1): AppendEntries to every peer (a heartbeat when it has nothing new). */
export function broadcastAppendEntries(ctx: NodeContext): void {
  for (const peer of ctx.peers) sendAppendEntries(ctx, peer);
}

/** Effect (Figure 2, state reinitialised after election): nextIndex = last log index + 1, matchIndex = 0. */
export function initLeaderState(ctx: NodeContext): void {
  ctx.leaderId = ctx.id;
  ctx.nextIndex = new Map(ctx.peers.map((p) => [p, ctx.log.lastIndex + 1]));
  ctx.matchIndex = new Map(ctx.peers.map((p) => [p, 0]));
}

/** Guard: a response of the current term that reports success. */
export function isSuccessfulAppend(ctx: NodeContext, r: AppendEntriesResponse): boolean {
  return r.term === ctx.term && r.success;
}

/** Effect (Leaders 3.1): matchIndex and nextIndex only move forward, so reordered responses are harmless. */
export function recordReplication(ctx: NodeContext, r: AppendEntriesResponse): void {
  const match = Math.max(ctx.matchIndex.get(r.from) ?? 0, Math.min(r.matchIndex ?? 0, ctx.log.lastIndex));
  ctx.matchIndex.set(r.from, match);
  ctx.nextIndex.set(r.from, Math.max(ctx.nextIndex.get(r.from) ?? 1, match + 1));
}

/**
 * Leaders rule 4 and Figure 8: the largest N replicated on a majority (the leader included)
 * whose entry is of the current term, or the current commitIndex. Entries of earlier terms
 * commit only indirectly, with it.
 */
export function commitIndexFromMatches(matchIndexes: readonly number[], ownLastIndex: number, majority: number, termAt: (i: number) => number | undefined, currentTerm: number, commitIndex: number): number {
  const sorted = [ownLastIndex, ...matchIndexes].sort((a, b) => b - a);
  const n = sorted[majority - 1] ?? 0;
  return n > commitIndex && termAt(n) === currentTerm ? n : commitIndex;
}

/** Effect: advance commitIndex by counting replicas, then apply. */
export function advanceCommitIndex(ctx: NodeContext): void {
  const n = commitIndexFromMatches([...ctx.matchIndex.values()], ctx.log.lastIndex, ctx.majority, (i) => ctx.log.termAt(i), ctx.term, ctx.commitIndex);
  commitUpTo(ctx, n);
}

/** Effect: keep a lagging follower catching up without waiting for the next heartbeat. */
export function sendMoreEntries(ctx: NodeContext, r: AppendEntriesResponse): void {
  if ((ctx.nextIndex.get(r.from) ?? 1) <= ctx.log.lastIndex) sendAppendEntries(ctx, r.from);
}

/**
 * Effect (Leaders 3.2): a refused AppendEntries moves nextIndex back — straight past the
 * conflicting term when the follower says which (fast backup) — never below matchIndex + 1.
 */
export function backOffNextIndex(ctx: NodeContext, r: AppendEntriesResponse): void {
  const current = ctx.nextIndex.get(r.from) ?? ctx.log.lastIndex + 1;
  let next: number;
  if (r.conflictTerm !== undefined) {
    const last = ctx.log.lastIndexOfTerm(r.conflictTerm);
    next = last > 0 ? last + 1 : (r.conflictIndex ?? current - 1);
  } else {
    next = r.conflictIndex ?? current - 1;
  }
  const floor = (ctx.matchIndex.get(r.from) ?? 0) + 1;
  ctx.nextIndex.set(r.from, Math.max(floor, Math.min(next, ctx.log.lastIndex + 1)));
}

/** Effect: retry at once from the new nextIndex. */
export function retryAppendEntries(ctx: NodeContext, r: AppendEntriesResponse): void {
  sendAppendEntries(ctx, r.from);
}

/** Effect: a leader is never sent a current-term AppendEntries by a correct peer; refuse it. */
export function rejectAppendAsLeader(ctx: NodeContext, ae: AppendEntries): void {
  rejectStaleAppend(ctx, ae);
}
