/**
 * Snapshots and log compaction (the Raft paper's §7 and Figure 13). A node snapshots its
 * register once it has applied `snapshotEvery` entries past its last snapshot (NodeConfig; the
 * checker's shadows instead take the snapshots a trace logs, the `snapshot` input) and discards
 * the log up through the snapshot; indices stay absolute, and the last discarded entry is still
 * known by its (index, term) (src/raft/log.ts). A snapshot holds the register after its last
 * index, so it covers only committed, applied entries.
 *
 * A leader whose follower needs an entry it has discarded (nextIndex − 1 below its snapshot)
 * sends InstallSnapshot instead of AppendEntries: the whole snapshot in one message (chunking,
 * Figure 13's offset and done, is out of scope). A follower of the leader's term
 * - ignores a snapshot that is not past its commitIndex (it already holds those entries,
 *   committed — its own snapshot among them);
 * - otherwise installs it: if its log holds an entry with the snapshot's last index and term, it
 *   keeps the entries after it, else it discards its whole log; commitIndex and lastApplied
 *   become the snapshot's index and the register its value;
 * and answers InstallSnapshotResponse with the snapshot's index as matchIndex, which the leader
 * takes as it takes a successful AppendEntriesResponse. A stale request gets a refusal with the
 * follower's term (no matchIndex), which deposes its sender.
 *
 * An AppendEntries that reaches under the follower's snapshot (a late or duplicated one) is
 * taken from the snapshot's last index on: the entries under it are committed, hence the
 * leader's (Leader Completeness).
 *
 * The snapshot is persistent: a restart resumes from it (src/raft/context.ts).
 *
 * With feature `membership`, a snapshot carries the configuration in effect at its last index
 * (thesis §5.4.2: it replaces the entry that held it): taken, sent in InstallSnapshot,
 * installed and persisted with it (`config`), and in effect after an install or a restart
 * unless the log after the snapshot holds a later one.
 */
import { record, type NodeContext } from '../context.js';
import { snapshotConfigEntry, snapshotConfiguration } from '../configuration.js';
import { type ChartConfig, stepDown, stepDownAndRetry, transitionsOf } from '../chart.js';
import { msg, type Args } from '../events.js';
import { acceptAppendEntries, advanceCommitIndex, heedLeader, sendAppendEntries } from '../rules/replication.js';
import type { AppendEntries, HeartbeatResponse, InstallSnapshot, InstallSnapshotResponse, RegisterState } from '../types.js';

/** Effect: snapshot the register after `index` (its value `value`) and discard the log through it. */
export function takeSnapshot(ctx: NodeContext, index: number, value: RegisterState): void {
  const term = ctx.log.termAt(index)!;
  ctx.log.compact(index);
  ctx.snapshotValue = value;
  // With membership, the snapshot carries the configuration in effect at its last index (thesis §5.4.2).
  const config = snapshotConfiguration(ctx.log, ctx.config);
  record(ctx, { kind: 'snapshot', index, term, value, ...(config ? { config } : {}) });
}

/** Guard: a snapshot at `index` covers applied entries only, past the last snapshot. */
export function canSnapshotAt(ctx: NodeContext, index: number): boolean {
  return index > ctx.log.snapshotIndex && index <= ctx.lastApplied;
}

/** Effect: the node's own policy: snapshot what it applied once `snapshotEvery` entries have been applied past the last snapshot. */
export function snapshotIfDue(ctx: NodeContext): void {
  const every = ctx.config.snapshotEvery ?? 0;
  if (every > 0 && ctx.lastApplied - ctx.log.snapshotIndex >= every) takeSnapshot(ctx, ctx.lastApplied, ctx.value);
}

export function sendInstallSnapshot(ctx: NodeContext, peer: string): void {
  const { log } = ctx;
  const config = snapshotConfiguration(log, ctx.config);
  record(ctx, {
    kind: 'send',
    msg: { type: 'InstallSnapshot', from: ctx.id, to: peer, term: ctx.term, leaderId: ctx.id, lastIncludedIndex: log.snapshotIndex, lastIncludedTerm: log.snapshotTerm, value: ctx.snapshotValue, ...(config ? { config } : {}) },
  });
}

/** Effect: what replicates the log to `peer` now: AppendEntries from nextIndex, or the snapshot if an entry before nextIndex is discarded. */
export function sendReplication(ctx: NodeContext, peer: string): void {
  const next = ctx.nextIndex.get(peer) ?? ctx.log.lastIndex + 1;
  if (next - 1 < ctx.log.snapshotIndex) sendInstallSnapshot(ctx, peer);
  else sendAppendEntries(ctx, peer);
}

/** Guard: the AppendEntries starts under the snapshot (a late or duplicated request). */
export function reachesIntoSnapshot(ctx: NodeContext, ae: AppendEntries): boolean {
  return ae.prevLogIndex < ctx.log.snapshotIndex;
}

/** Effect: an AppendEntries that starts under the snapshot, taken from the snapshot's last index on (the entries under it are committed, hence the leader's). */
export function acceptAppendAfterSnapshot(ctx: NodeContext, ae: AppendEntries): void {
  const base = ctx.log.snapshotIndex;
  const skip = base - ae.prevLogIndex;
  if (ae.entries.length <= skip) {
    heedLeader(ctx, ae);
    record(ctx, { kind: 'send', msg: { type: 'AppendEntriesResponse', from: ctx.id, to: ae.leaderId, term: ctx.term, success: true, matchIndex: ae.prevLogIndex + ae.entries.length } });
    return;
  }
  // A trimmed copy: the message itself is the sender's (and the trace's).
  acceptAppendEntries(ctx, { ...ae, prevLogIndex: base, prevLogTerm: ctx.log.snapshotTerm, entries: ae.entries.slice(skip) });
}

/** Guard: a snapshot past the follower's commitIndex (an older one changes nothing: it holds those entries, committed). */
export function isSnapshotNewer(ctx: NodeContext, m: InstallSnapshot): boolean {
  return m.lastIncludedIndex > ctx.commitIndex;
}

function answerSnapshot(ctx: NodeContext, m: InstallSnapshot): void {
  record(ctx, { kind: 'send', msg: { type: 'InstallSnapshotResponse', from: ctx.id, to: m.leaderId, term: ctx.term, matchIndex: m.lastIncludedIndex } });
}

/** Effect (Figure 13, 5-8): keep the log after the snapshot if it agrees with it, else discard it; the state machine becomes the snapshot. */
export function installSnapshot(ctx: NodeContext, m: InstallSnapshot): void {
  heedLeader(ctx, m);
  const { lastIncludedIndex: index, lastIncludedTerm: term } = m;
  const logKept = index <= ctx.log.lastIndex && ctx.log.termAt(index) === term;
  // With membership, the snapshot's configuration comes with it (feature membership adopts it after the answer).
  ctx.log.install(index, term, logKept, snapshotConfigEntry(m.config));
  ctx.snapshotValue = m.value;
  ctx.commitIndex = index;
  ctx.lastApplied = index;
  ctx.value = m.value;
  // Entries it appended for clients and that the snapshot now covers are answered by their leader, not here.
  for (const i of ctx.pending.keys()) if (i <= index) ctx.pending.delete(i);
  record(ctx, { kind: 'install_snapshot', index, term, value: m.value, logKept, ...(m.config ? { config: m.config } : {}) });
  answerSnapshot(ctx, m);
}

/** Effect: a snapshot the follower does not need: it holds those entries, committed; say so. */
export function acknowledgeOldSnapshot(ctx: NodeContext, m: InstallSnapshot): void {
  heedLeader(ctx, m);
  answerSnapshot(ctx, m);
}

/** Effect (Figure 13, 1): a request from an older term is refused with our term. */
export function rejectStaleSnapshot(ctx: NodeContext, m: InstallSnapshot): void {
  record(ctx, { kind: 'send', msg: { type: 'InstallSnapshotResponse', from: ctx.id, to: m.leaderId, term: ctx.term } });
}

/** Guard: a current-term answer that says how far the follower's log now agrees. */
export function isSnapshotAccepted(ctx: NodeContext, r: InstallSnapshotResponse): boolean {
  return r.term === ctx.term && r.matchIndex !== undefined;
}

/** Effect: as for a successful AppendEntriesResponse (matchIndex and nextIndex only move forward). */
export function recordSnapshotReplication(ctx: NodeContext, r: InstallSnapshotResponse): void {
  const match = Math.max(ctx.matchIndex.get(r.from) ?? 0, Math.min(r.matchIndex ?? 0, ctx.log.lastIndex));
  ctx.matchIndex.set(r.from, match);
  ctx.nextIndex.set(r.from, Math.max(ctx.nextIndex.get(r.from) ?? 1, match + 1));
}

function snapshotEvent({ event }: Args): { index: number; value: RegisterState } {
  if (event.type !== 'SNAPSHOT') throw new Error(`event ${event.type} is not a snapshot request`);
  return event;
}

export const snapshotGuards = {
  canSnapshotAt: (a: Args) => canSnapshotAt(a.context, snapshotEvent(a).index),
  reachesIntoSnapshot: (a: Args) => reachesIntoSnapshot(a.context, msg<AppendEntries>(a)),
  isSnapshotNewer: (a: Args) => isSnapshotNewer(a.context, msg<InstallSnapshot>(a)),
  isSnapshotAccepted: (a: Args) => isSnapshotAccepted(a.context, msg<InstallSnapshotResponse>(a)),
};

export const snapshotActions = {
  takeSnapshotAt: (a: Args) => takeSnapshot(a.context, snapshotEvent(a).index, snapshotEvent(a).value),
  snapshotIfDue: ({ context }: Args) => snapshotIfDue(context),
  acceptAppendAfterSnapshot: (a: Args) => acceptAppendAfterSnapshot(a.context, msg<AppendEntries>(a)),
  installSnapshot: (a: Args) => installSnapshot(a.context, msg<InstallSnapshot>(a)),
  acknowledgeOldSnapshot: (a: Args) => acknowledgeOldSnapshot(a.context, msg<InstallSnapshot>(a)),
  rejectStaleSnapshot: (a: Args) => rejectStaleSnapshot(a.context, msg<InstallSnapshot>(a)),
  recordSnapshotReplication: (a: Args) => recordSnapshotReplication(a.context, msg<InstallSnapshotResponse>(a)),
  broadcastReplication: ({ context }: Args) => {
    for (const peer of context.peers) sendReplication(context, peer);
  },
  /** As sendMoreEntries, with the snapshot when the follower needs a discarded entry. */
  sendMoreReplication: (a: Args) => {
    const r = msg<InstallSnapshotResponse>(a);
    if ((a.context.nextIndex.get(r.from) ?? 1) <= a.context.log.lastIndex) sendReplication(a.context, r.from);
  },
  retryReplication: (a: Args) => sendReplication(a.context, msg<InstallSnapshotResponse>(a).from),
  /** As catchUpAfterHeartbeat (feature heartbeat), with the snapshot when the follower needs a discarded entry. */
  catchUpReplicationAfterHeartbeat: (a: Args) => {
    const from = msg<HeartbeatResponse>(a).from;
    if ((a.context.matchIndex.get(from) ?? 0) < a.context.log.lastIndex) sendReplication(a.context, from);
  },
  advanceCommitIndexAfterSnapshot: ({ context }: Args) => advanceCommitIndex(context),
};

/** The base actions that send AppendEntries, and what sends the snapshot instead when it must. */
const REPLICATION_ACTIONS: Record<string, string> = {
  broadcastAppendEntries: 'broadcastReplication',
  sendMoreEntries: 'sendMoreReplication',
  retryAppendEntries: 'retryReplication',
  catchUpAfterHeartbeat: 'catchUpReplicationAfterHeartbeat',
};
/** Actions after which the node may have applied entries: its snapshot policy runs after them. */
const APPLYING_ACTIONS = new Set(['acceptAppendEntries', 'acceptAppendAfterSnapshot', 'advanceCommitIndex', 'appendClientCommand']);

/**
 * Composed after the other features (./compose.ts): it takes over their replication actions, and
 * what the lease and CheckQuorum do for AppendEntries they do for InstallSnapshot too.
 */
export function addSnapshot(chart: ChartConfig): void {
  const withLease = chart.states.follower!.on.LEASE_TIMEOUT !== undefined;
  const withQuorum = chart.states.leader!.on.QUORUM_TIMEOUT !== undefined;
  const withTransfer = chart.states.leader!.on.TRANSFER_LEADERSHIP !== undefined;
  for (const state of Object.values(chart.states)) {
    state.entry = state.entry.map((a) => REPLICATION_ACTIONS[a] ?? a);
    for (const list of [...Object.values(state.on), state.always ?? []]) {
      for (const t of list) {
        if (!t.actions) continue;
        t.actions = t.actions.map((a) => REPLICATION_ACTIONS[a] ?? a);
        if (t.actions.some((a) => APPLYING_ACTIONS.has(a))) t.actions.push('snapshotIfDue');
      }
    }
  }
  // An AppendEntries under the snapshot: as an accepted one (the lease renewed alike), from the snapshot on.
  const follower = transitionsOf(chart, 'follower', 'AppendEntries');
  const accept = follower.findIndex((t) => t.guard === 'logMatches');
  const trimmed = structuredClone(follower[accept]!);
  trimmed.guard = 'reachesIntoSnapshot';
  trimmed.actions = trimmed.actions!.map((a) => (a === 'acceptAppendEntries' ? 'acceptAppendAfterSnapshot' : a));
  follower.splice(accept, 0, trimmed);

  const lease = withLease ? ['renewLease'] : [];
  for (const [key, state] of Object.entries(chart.states)) {
    state.on.SNAPSHOT = [{ guard: 'canSnapshotAt', actions: ['takeSnapshotAt'] }];
    if (key === 'follower') {
      state.on.InstallSnapshot = [
        { guard: 'hasHigherTerm', actions: ['adoptTerm', 'handleAgain'] },
        { guard: 'isStaleTerm', actions: ['rejectStaleSnapshot'] },
        { guard: 'isSnapshotNewer', actions: [...lease, 'installSnapshot'] },
        { actions: [...lease, 'acknowledgeOldSnapshot'] },
      ];
      state.on.InstallSnapshotResponse = [{ guard: 'hasHigherTerm', actions: ['adoptTerm'] }];
    } else if (key === 'leader') {
      state.on.InstallSnapshot = [stepDownAndRetry(), { guard: 'isStaleTerm', actions: ['rejectStaleSnapshot'] }, { actions: ['rejectStaleSnapshot'] }];
      state.on.InstallSnapshotResponse = [
        stepDown(),
        { guard: 'isSnapshotAccepted', actions: [...(withQuorum ? ['markActive'] : []), 'recordSnapshotReplication', 'advanceCommitIndexAfterSnapshot', 'sendMoreReplication', ...(withTransfer ? ['continueTransfer'] : []), 'snapshotIfDue'] },
      ];
    } else {
      // A candidate or pre-candidate: a leader of its term exists; back to follower, which handles it.
      state.on.InstallSnapshot = [stepDownAndRetry(), { guard: 'isStaleTerm', actions: ['rejectStaleSnapshot'] }, { target: 'follower', actions: ['handleAgain'] }];
      state.on.InstallSnapshotResponse = [stepDown()];
    }
  }
}
