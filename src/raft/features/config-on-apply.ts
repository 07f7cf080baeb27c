/**
 * Feature `config-on-apply` (needs `membership`): etcd-raft's timing of a single-server change.
 * Feature `membership` follows the thesis (§4.1): a configuration takes effect when its entry is
 * appended. etcd switches when the entry is applied (RawNode.ApplyConfChange after commit,
 * raft.go switchToConfig), and its leader takes no new change while an earlier one is not
 * applied (pendingConfIndex). This variant is that, on the reference:
 *
 * - the configuration in effect is the latest configuration entry at or under lastApplied (the
 *   snapshot's under it; the initial one before any); a node switches in the step that applies
 *   the entry, and a truncation never changes it (applied entries are committed); a restart
 *   resumes in its snapshot's and applies the rest again once it learns they are committed;
 * - a leader asked for a change appends it only when every configuration entry in its log is
 *   applied and so is every entry of an earlier term (etcd's pendingConfIndex: its last index
 *   when it became leader) — this replaces membership's "an entry of its term committed";
 * - a leader that switches to a configuration with a new peer replicates to it at once (etcd
 *   sends appends after switchToConfig);
 * - a decision counts every configuration from the applied one to the latest in the log: a
 *   candidate needs a majority of the voters of each (its electors are all of them), and an
 *   index is committed when a majority of the applied configuration and of every later one whose
 *   entry precedes it stores it — so the leader's own change commits by the configuration before
 *   it, as in etcd. Without unapplied configuration entries (the common case) both are the one
 *   in effect. spec/CONFORMANCE.md gives the safety argument.
 *
 * A removed leader steps down once its removal is applied and every entry of its log is
 * committed (membership's rule waits for the removal only), and one deposed before that may stand
 * again while it holds entries not known committed (mayStandOnApply): a server of the new configuration
 * that has not learned of the commit still needs a majority of the old one, the removed leader
 * among them, which votes only for a log as up-to-date as its own (found by fuzzing: with a
 * write appended after the removal, two voters, one removing itself, elected no one again).
 */
import { type ChartConfig } from '../chart.js';
import { appliedConfiguration, configurationOf, electionConfigurations, peersIn, quorumOf, type Configuration } from '../configuration.js';
import { record, type NodeContext } from '../context.js';
import { commitUpTo } from '../rules/apply.js';
import { appendClientEntry } from '../rules/client.js';
import { request, type Args } from '../events.js';
import { startElection } from '../rules/election.js';
import type { ConfigChange } from '../types.js';
import { changedConfiguration, enterConfiguration, isVoter } from './membership.js';
import { sendReplication } from './snapshot.js';

/** Guard: every configuration entry in the log is applied (one unapplied change at a time). */
export function hasNoUnappliedChange(ctx: NodeContext): boolean {
  return ctx.log.lastConfigIndex <= ctx.lastApplied;
}

/** Guard: every entry of an earlier term is applied (etcd's pendingConfIndex, its last index when it became leader). */
export function hasAppliedEarlierTerms(ctx: NodeContext): boolean {
  const next = ctx.log.termAt(ctx.lastApplied + 1);
  return next === undefined || next === ctx.term;
}

/** The configurations a decision counts: the one in effect and each configuration entry after it in the log. */
function decidingConfigurations(ctx: NodeContext): Configuration[] {
  return electionConfigurations(ctx.log, ctx.configIndex, ctx.configuration);
}

/** Guard: granted votes from a majority of the voters of each deciding configuration (the candidate's own where it is one). */
export function hasElectionMajorities(ctx: NodeContext): boolean {
  return decidingConfigurations(ctx).every((c) => {
    let n = 0;
    for (const v of ctx.votes) if (c.voters.includes(v)) n++;
    return n >= quorumOf(c);
  });
}

/** The highest index `c`'s voters store on a majority (the leader counted only if it is one of them). */
function replicatedOn(ctx: NodeContext, c: Configuration): number {
  const replicated = c.voters.map((v) => (v === ctx.id ? ctx.log.lastIndex : (ctx.matchIndex.get(v) ?? 0))).sort((a, b) => b - a);
  return replicated[quorumOf(c) - 1] ?? 0;
}

/**
 * The largest index of the current term stored on a majority of the configuration in effect
 * and of every later configuration whose entry comes before it, or commitIndex.
 */
export function quorumCommitIndexOnApply(ctx: NodeContext): number {
  const deciding = decidingConfigurations(ctx);
  const later = ctx.log.configIndicesAfter(ctx.configIndex).map((i, k) => ({ index: i, reach: replicatedOn(ctx, deciding[k + 1]!) }));
  for (let n = replicatedOn(ctx, ctx.configuration); n > ctx.commitIndex; n--) {
    if (ctx.log.termAt(n) !== ctx.term) return ctx.commitIndex;
    if (later.every((c) => c.index >= n || c.reach >= n)) return n;
  }
  return ctx.commitIndex;
}

/**
 * Effect: a leader also replicates to the servers of the configuration entries after its own
 * applied one that an earlier leader appended (after a restart it resumes in its snapshot's
 * configuration while its log may hold later ones, committed: their voters decide its
 * commitment). Its own pending change it replicates to once applied, as etcd does.
 */
export function widenPeers(ctx: NodeContext): void {
  const peers = peersIn(ctx.configuration, ctx.id);
  for (const i of ctx.log.configIndicesAfter(ctx.configIndex)) {
    if (ctx.log.termAt(i) === ctx.term) continue;
    const c = configurationOf(ctx.log.commandAt(i));
    if (c) for (const p of peersIn(c, ctx.id)) if (!peers.includes(p)) peers.push(p);
  }
  if (peers.length === ctx.peers.length && peers.every((p, k) => p === ctx.peers[k])) return;
  ctx.peers = peers;
  if (ctx.role !== 'leader') return;
  for (const p of peers) {
    if (ctx.nextIndex.has(p)) continue;
    ctx.nextIndex.set(p, Math.max(1, ctx.log.lastIndex));
    ctx.matchIndex.set(p, 0);
  }
  for (const p of [...ctx.nextIndex.keys()]) if (!peers.includes(p)) ctx.nextIndex.delete(p);
  for (const p of [...ctx.matchIndex.keys()]) if (!peers.includes(p)) ctx.matchIndex.delete(p);
}

/** Effect: the configuration applied is now in effect; a leader replicates to each new peer at once. */
export function adoptAppliedConfiguration(ctx: NodeContext): void {
  const { index, configuration } = appliedConfiguration(ctx.log, ctx.config, ctx.lastApplied);
  if (index === ctx.configIndex) return;
  const before = new Set(ctx.peers);
  enterConfiguration(ctx, index, configuration);
  widenPeers(ctx);
  if (ctx.role === 'leader') for (const p of ctx.peers) if (!before.has(p)) sendReplication(ctx, p);
}

/** Effect: advance commitIndex by the deciding configurations, apply, and switch to the configuration applied. */
export function advanceCommitIndexOnApply(ctx: NodeContext): void {
  const n = quorumCommitIndexOnApply(ctx);
  commitUpTo(ctx, n);
  adoptAppliedConfiguration(ctx);
}

function changeOf({ event }: Args): { change: ConfigChange; server: string } {
  if (event.type !== 'RECONFIGURE') throw new Error(`event ${event.type} is not a configuration change request`);
  return event;
}

/**
 * Guard: the node may stand: a voter of its applied configuration (etcd's promotable), or, while
 * it holds entries not known committed, a voter of the configuration before it or of one its
 * log holds after it. The first is the removed leader, which may hold the only log the others
 * would vote for (they need a majority of the old configuration until they learn the removal is
 * committed: without this, two voters, one removing itself, elected no one again; soak, run
 * 510). The second is a node restarted behind its log: commitIndex is volatile, so it resumes
 * in an older configuration (the initial one, or its snapshot's) than the ones it had applied,
 * perhaps one without it (two voters, the leader removing itself, the other restarted: no one
 * stood again; soak seed 2313, run 662). Standing changes no quorum: a candidate needs a majority
 * of every deciding configuration.
 */
export function mayStandOnApply(ctx: NodeContext): boolean {
  if (isVoter(ctx)) return true;
  if (ctx.log.lastIndex <= ctx.commitIndex) return false;
  if (ctx.configIndex > 0 && appliedConfiguration(ctx.log, ctx.config, ctx.configIndex - 1).configuration.voters.includes(ctx.id)) return true;
  return ctx.log.configIndicesAfter(ctx.configIndex).some((i) => configurationOf(ctx.log.commandAt(i))?.voters.includes(ctx.id) ?? false);
}

/** Guard: a leader that is no voter of its applied configuration, with its whole log committed. */
export function isRemovedAndCaughtUp(ctx: NodeContext): boolean {
  return !isVoter(ctx) && ctx.commitIndex >= ctx.configIndex && ctx.commitIndex === ctx.log.lastIndex;
}

export const configOnApplyGuards = {
  isRemovedAndCaughtUp: ({ context }: Args) => isRemovedAndCaughtUp(context),
  mayNotStandOnApply: ({ context }: Args) => !mayStandOnApply(context),
  hasElectionMajorities: ({ context }: Args) => hasElectionMajorities(context),
  /** One unapplied change at a time, after the earlier terms' entries are applied, one that applies, none during a transfer. */
  canChangeConfigurationOnApply: (a: Args) =>
    a.context.transferTarget === null && hasNoUnappliedChange(a.context) && hasAppliedEarlierTerms(a.context) && changedConfiguration(a.context, changeOf(a).change, changeOf(a).server) !== null,
};

export const configOnApplyActions = {
  widenPeers: ({ context }: Args) => widenPeers(context),
  adoptAppliedConfiguration: ({ context }: Args) => adoptAppliedConfiguration(context),
  advanceCommitIndexOnApply: ({ context }: Args) => advanceCommitIndexOnApply(context),
  /** Append the changed configuration; it takes effect when applied (at once in a one-voter cluster, which commits it). */
  appendConfigurationOnApply: (a: Args) => {
    const c = changedConfiguration(a.context, changeOf(a).change, changeOf(a).server)!;
    const index = a.context.log.lastIndex + 1;
    const entry = { term: a.context.term, command: { type: 'config' as const, voters: [...c.voters], learners: [...c.learners] } };
    a.context.log.append([entry]);
    record(a.context, { kind: 'append', index, entries: [entry] });
    advanceCommitIndexOnApply(a.context);
  },
  appendClientCommandOnApply: (a: Args) => {
    appendClientEntry(a.context, request(a));
    advanceCommitIndexOnApply(a.context);
  },
  /** The candidate asks the voters of every deciding configuration (flagged as a transfer's election when TimeoutNow started it). */
  startElectionOnApply: ({ context }: Args) => {
    context.electionByTransfer = context.transferElection;
    context.transferElection = false;
    const electors = [...new Set(decidingConfigurations(context).flatMap((c) => c.voters))];
    startElection(context, context.electionByTransfer, electors);
  },
};

/** Membership's actions, and what this variant does instead. */
const REPLACED: Record<string, string> = {
  adoptLatestConfiguration: 'adoptAppliedConfiguration',
  advanceCommitIndexByConfiguration: 'advanceCommitIndexOnApply',
  appendClientCommandByConfiguration: 'appendClientCommandOnApply',
  startElection: 'startElectionOnApply',
  startElectionMaybeTransfer: 'startElectionOnApply',
};

/** Actions after which the node may have applied entries it had not (a follower's; the leader's go through advanceCommitIndexOnApply). */
const APPLYING = new Set(['acceptAppendEntries', 'acceptAppendAfterSnapshot', 'installSnapshot', 'acceptHeartbeat']);

/** Composed after `membership`, whose transitions it retimes. */
export function addConfigOnApply(chart: ChartConfig): void {
  for (const state of Object.values(chart.states)) {
    state.entry = state.entry.map((a) => REPLACED[a] ?? a);
    for (const t of [...Object.values(state.on).flat(), ...(state.always ?? [])]) {
      if (t.guard === 'mayNotStand') t.guard = 'mayNotStandOnApply';
      if (t.guard === 'hasConfigurationVoteMajority') t.guard = 'hasElectionMajorities';
      if (!t.actions) continue;
      t.actions = t.actions.map((a) => REPLACED[a] ?? a);
      if (t.actions.some((a) => APPLYING.has(a)) && !t.actions.includes('adoptAppliedConfiguration')) t.actions.push('adoptAppliedConfiguration');
    }
  }
  // A new leader replicates to the servers of every configuration its commitment counts.
  const leader = chart.states.leader!;
  leader.always = (leader.always ?? []).map((t) => (t.guard === 'isRemovedAndCommitted' ? { ...t, guard: 'isRemovedAndCaughtUp' } : t));
  leader.entry = leader.entry.flatMap((a) => (a === 'initLeaderState' ? ['widenPeers', a] : [a]));
  chart.states.leader!.on.RECONFIGURE = [{ guard: 'canChangeConfigurationOnApply', actions: ['appendConfigurationOnApply'] }];
}
