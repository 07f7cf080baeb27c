/**
 * Membership changes (Ongaro's thesis ch. 4): single-server changes and learners; no joint
 * consensus. The configuration is a log entry (a `config` command: the voters and the
 * learners). A server uses the latest configuration in its log, committed or not: it takes
 * effect when appended and reverts when a truncation removes it (thesis §4.1) — the node logs
 * `config` whenever the configuration in effect changes. Election and commitment quorums are
 * majorities of its voters; a learner receives entries but neither counts nor stands.
 *
 * A leader asked to change the configuration by one server (the `reconfigure` input: add a
 * server as a learner, promote a learner to voter, remove a voter or learner) appends the new
 * configuration only when
 * - no configuration entry in its log is uncommitted (one change at a time, §4.1), and
 * - it has committed an entry of its current term (the fix to the single-server change bug,
 *   raft-dev, 2015: without it, a new leader's change can overlap an uncommitted change of an
 *   earlier leader and two disjoint majorities can elect two leaders in one term);
 * otherwise it ignores the request. A leader that removed itself keeps replicating, without
 * counting itself, and steps down once the entry that removed it is committed (§4.2.2); a
 * server that is not a voter of its configuration does not start an election (unless it was a
 * voter of the one before and the latest is not known committed: `mayStand`).
 */
import { record, type NodeContext } from '../context.js';
import { type ChartConfig, transitionsOf, transitionWith, transitionWithIfAny } from '../chart.js';
import { latestConfiguration, peersIn, previousConfiguration, quorumOf, type Configuration } from '../configuration.js';
import { request, type Args } from '../events.js';
import { commitUpTo } from '../rules/apply.js';
import { appendClientEntry } from '../rules/client.js';
import type { ConfigChange } from '../types.js';

export function isVoter(ctx: NodeContext): boolean {
  return ctx.configuration.voters.includes(ctx.id);
}

/**
 * Guard: the node may stand for election: it is a voter of its configuration, or of the one
 * before it while the latest is not known committed — the old configuration may still be the
 * cluster's, and the node removed by an uncommitted change may hold the only log that can
 * finish it (two voters, one removing itself: without this, neither could be elected).
 */
export function mayStand(ctx: NodeContext): boolean {
  if (isVoter(ctx)) return true;
  return ctx.configIndex > ctx.commitIndex && previousConfiguration(ctx.log, ctx.config).voters.includes(ctx.id);
}

function sameServers(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Effect: `configuration` (of the entry at `index`) is now in effect: quorums and peers follow it. */
export function enterConfiguration(ctx: NodeContext, index: number, configuration: Configuration): void {
  ctx.configIndex = index;
  ctx.configuration = configuration;
  ctx.peers = peersIn(configuration, ctx.id);
  ctx.majority = quorumOf(configuration);
  if (ctx.role === 'leader') {
    // A new peer is sent entries from the new configuration's entry on (it backs off from there); a removed one no more.
    for (const p of ctx.peers) {
      if (ctx.nextIndex.has(p)) continue;
      ctx.nextIndex.set(p, Math.max(1, ctx.log.lastIndex));
      ctx.matchIndex.set(p, 0);
    }
    for (const p of [...ctx.nextIndex.keys()]) if (!ctx.peers.includes(p)) ctx.nextIndex.delete(p);
    for (const p of [...ctx.matchIndex.keys()]) if (!ctx.peers.includes(p)) ctx.matchIndex.delete(p);
  }
  record(ctx, { kind: 'config', index, voters: [...configuration.voters], learners: [...configuration.learners] });
}

/** Effect: after the log changed (appends, a truncation), the latest configuration in it is in effect. */
export function adoptLatestConfiguration(ctx: NodeContext): void {
  const { index, configuration } = latestConfiguration(ctx.log, ctx.config);
  const same = index === ctx.configIndex && sameServers(configuration.voters, ctx.configuration.voters) && sameServers(configuration.learners, ctx.configuration.learners);
  if (!same) enterConfiguration(ctx, index, configuration);
}

/** The configuration after `change` of `server`, or null if the change does not apply to the current one. */
export function changedConfiguration(ctx: NodeContext, change: ConfigChange, server: string): Configuration | null {
  const { voters, learners } = ctx.configuration;
  switch (change) {
    case 'add':
      return ctx.config.members.includes(server) && !voters.includes(server) && !learners.includes(server) ? { voters, learners: [...learners, server] } : null;
    case 'promote':
      return learners.includes(server) ? { voters: [...voters, server], learners: learners.filter((l) => l !== server) } : null;
    case 'remove':
      if (learners.includes(server)) return { voters, learners: learners.filter((l) => l !== server) };
      // The last voter stays: a configuration without voters could never elect or commit.
      return voters.includes(server) && voters.length > 1 ? { voters: voters.filter((v) => v !== server), learners } : null;
  }
}

/** Guard: no configuration entry in the log is uncommitted (one change at a time). */
export function hasNoPendingChange(ctx: NodeContext): boolean {
  return ctx.configIndex <= ctx.commitIndex;
}

/** Guard: the leader has committed an entry of its current term (raft-dev 2015: before it may change the configuration). */
export function hasCommittedInTerm(ctx: NodeContext): boolean {
  return ctx.log.termAt(ctx.commitIndex) === ctx.term;
}

/** Effect: append the changed configuration; it is in effect at once. */
export function appendConfiguration(ctx: NodeContext, configuration: Configuration): void {
  const index = ctx.log.lastIndex + 1;
  const entry = { term: ctx.term, command: { type: 'config' as const, voters: [...configuration.voters], learners: [...configuration.learners] } };
  ctx.log.append([entry]);
  record(ctx, { kind: 'append', index, entries: [entry] });
  enterConfiguration(ctx, index, configuration);
  advanceCommitIndexByConfiguration(ctx);
}

/**
 * The largest index replicated on a majority of the voters — the leader counted only if it is
 * one — whose entry is of the current term (Figure 8), or commitIndex.
 */
export function quorumCommitIndex(ctx: NodeContext): number {
  const replicated = ctx.configuration.voters.map((v) => (v === ctx.id ? ctx.log.lastIndex : (ctx.matchIndex.get(v) ?? 0))).sort((a, b) => b - a);
  const n = replicated[ctx.majority - 1] ?? 0;
  return n > ctx.commitIndex && ctx.log.termAt(n) === ctx.term ? n : ctx.commitIndex;
}

/** Effect: advance commitIndex by the configuration's quorum, then apply. */
export function advanceCommitIndexByConfiguration(ctx: NodeContext): void {
  const n = quorumCommitIndex(ctx);
  commitUpTo(ctx, n);
}

/** Guard: a leader that is no voter of its configuration, whose entry is committed (§4.2.2). */
export function isRemovedAndCommitted(ctx: NodeContext): boolean {
  return !isVoter(ctx) && ctx.commitIndex >= ctx.configIndex;
}

function changeOf({ event }: Args): { change: ConfigChange; server: string } {
  if (event.type !== 'RECONFIGURE') throw new Error(`event ${event.type} is not a configuration change request`);
  return event;
}

export const membershipGuards = {
  mayNotStand: ({ context }: Args) => !mayStand(context),
  /**
   * One change at a time, after an entry of the leader's term is committed, one that applies,
   * and none while a leadership transfer is under way (feature `transfer`: the leader takes no
   * request then, as etcd drops every proposal; so the target stays a voter until it stands).
   */
  canChangeConfiguration: (a: Args) =>
    a.context.transferTarget === null && hasNoPendingChange(a.context) && hasCommittedInTerm(a.context) && changedConfiguration(a.context, changeOf(a).change, changeOf(a).server) !== null,
  hasConfigurationVoteMajority: ({ context }: Args) => {
    let n = 0;
    for (const v of context.votes) if (context.configuration.voters.includes(v)) n++;
    return n >= context.majority;
  },
  isRemovedAndCommitted: ({ context }: Args) => isRemovedAndCommitted(context),
};

export const membershipActions = {
  appendConfiguration: (a: Args) => appendConfiguration(a.context, changedConfiguration(a.context, changeOf(a).change, changeOf(a).server)!),
  adoptLatestConfiguration: ({ context }: Args) => adoptLatestConfiguration(context),
  advanceCommitIndexByConfiguration: ({ context }: Args) => advanceCommitIndexByConfiguration(context),
  appendClientCommandByConfiguration: (a: Args) => {
    appendClientEntry(a.context, request(a));
    advanceCommitIndexByConfiguration(a.context);
  },
  /** A leader that leaves the cluster knows no leader any more. */
  leaveLeadership: ({ context }: Args) => {
    context.leaderId = null;
  },
};

/** The base chart's leader actions that count a majority of all members, and what counts the configuration's voters instead. */
const QUORUM_ACTIONS: Record<string, string> = {
  advanceCommitIndex: 'advanceCommitIndexByConfiguration',
  advanceCommitIndexAfterSnapshot: 'advanceCommitIndexByConfiguration', // feature snapshot
  appendClientCommand: 'appendClientCommandByConfiguration',
};

export function addMembership(chart: ChartConfig): void {
  const leader = chart.states.leader!;
  for (const list of Object.values(leader.on)) for (const t of list) if (t.actions) t.actions = t.actions.map((a) => QUORUM_ACTIONS[a] ?? a);
  leader.on.RECONFIGURE = [{ guard: 'canChangeConfiguration', actions: ['appendConfiguration'] }];
  // Removed by its own committed entry: step down (and, no voter, never stand again).
  leader.always = [...(leader.always ?? []), { guard: 'isRemovedAndCommitted', target: 'follower', actions: ['leaveLeadership'] }];
  // A configuration takes effect when appended, and reverts when truncated; with feature
  // snapshot, an AppendEntries taken from the snapshot on, and an installed snapshot (it carries
  // the configuration at its last index), change it too.
  const accept = transitionWith(chart, 'follower', 'AppendEntries', 'acceptAppendEntries');
  accept.actions = [...accept.actions!, 'adoptLatestConfiguration'];
  for (const [event, action] of [['AppendEntries', 'acceptAppendAfterSnapshot'], ['InstallSnapshot', 'installSnapshot']] as const) {
    const t = transitionWithIfAny(chart, 'follower', event, action);
    if (t) t.actions = [...t.actions!, 'adoptLatestConfiguration'];
  }
  // Only a voter stands for election (feature prevote: pre-campaigns), nor on a TimeoutNow
  // (feature transfer: a leader sends it only to a voter, but the receiver's configuration decides).
  transitionsOf(chart, 'follower', 'ELECTION_TIMEOUT').unshift({ guard: 'mayNotStand' });
  // (A pre-candidate may stand: its configuration has not changed since it became one.)
  const timeoutNow = chart.states.follower!.on.TimeoutNow;
  const stand = timeoutNow?.findIndex((t) => t.target === 'candidate') ?? -1;
  if (stand >= 0) timeoutNow!.splice(stand, 0, { guard: 'mayNotStand' });
  const candidate = chart.states.candidate!;
  candidate.always = (candidate.always ?? []).map((t) => (t.guard === 'hasVoteMajority' ? { ...t, guard: 'hasConfigurationVoteMajority' } : t));
}
