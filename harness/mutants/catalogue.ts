/**
 * The bug catalogue: single-rule deviations of the reference node, each a small named change
 * of one guard or action of the statechart (`raftNodeMachine.provide`) or of what survives a
 * restart. They are the bugs Raft implementers actually write; raftcheck must catch each one.
 */
import { record } from '../../src/raft/context.js';
import { createReferenceNode } from '../../src/raft/node.js';
import type { Feature } from '../../src/raft/features/index.js';
import { machineFor, msg, raftNodeMachine, type Args } from '../../src/raft/node-machine.js';
import { applyCommitted } from '../../src/raft/rules/apply.js';
import { isLogUpToDate } from '../../src/raft/rules/election.js';
import { acceptAppendEntries, commitIndexFromMatches } from '../../src/raft/rules/replication.js';
import { sendTimeoutNow } from '../../src/raft/features/transfer.js';
import { startPreVote } from '../../src/raft/features/prevote.js';
import { armElectionTimer } from '../../src/raft/rules/timers.js';
import { heedHeartbeat } from '../../src/raft/features/heartbeat.js';
import { installSnapshot, takeSnapshot } from '../../src/raft/features/snapshot.js';
import { adoptLatestConfiguration, advanceCommitIndexByConfiguration, changedConfiguration, enterConfiguration, hasCommittedInTerm, hasNoPendingChange } from '../../src/raft/features/membership.js';
import { configurationIn, initialConfiguration, type Configuration } from '../../src/raft/configuration.js';
import { advanceCommitIndexOnApply, hasAppliedEarlierTerms } from '../../src/raft/features/config-on-apply.js';
import type { AppendEntries, Heartbeat, InstallSnapshot, PreVote, RequestVote, RequestVoteResponse } from '../../src/raft/types.js';
import type { NodeFactory } from '../simulator/cluster.js';

export interface Mutant {
  name: string;
  /** One line: what the bug is. */
  description: string;
  createNode: NodeFactory;
  /** The protocol extensions the mutant breaks one of (hunted with them on); absent: the base chart. */
  features?: readonly Feature[];
}

type Overrides = Parameters<typeof raftNodeMachine.provide>[0];

function variant(overrides: Overrides): NodeFactory {
  const machine = raftNodeMachine.provide(overrides);
  return (config, options) => createReferenceNode(config, { ...options, machine });
}

/** A variant of the chart with `feature` (or these features) on; its runs switch them on (NodeFactory.features). */
function featureVariant(feature: Feature | readonly Feature[], overrides: Overrides): { createNode: NodeFactory; features: readonly Feature[] } {
  const features = typeof feature === 'string' ? [feature] : [...feature];
  const machine = machineFor(features).provide(overrides);
  const createNode: NodeFactory = Object.assign((config: Parameters<NodeFactory>[0], options: Parameters<NodeFactory>[1]) => createReferenceNode(config, { ...options, machine }), { features });
  return { createNode, features };
}

export const MUTANTS: readonly Mutant[] = [
  {
    name: 'vote-twice',
    description: 'grants a vote in a term where it already voted for another candidate',
    createNode: variant({
      guards: {
        canGrantVote: (a: Args) => {
          const rv = msg<RequestVote>(a);
          return rv.term === a.context.term && isLogUpToDate(rv.lastLogTerm, rv.lastLogIndex, a.context.log.lastTerm, a.context.log.lastIndex);
        },
      },
    }),
  },
  {
    name: 'ignore-up-to-date',
    description: 'votes for a candidate whose log is less up-to-date than its own (§5.4.1)',
    createNode: variant({
      guards: {
        canGrantVote: (a: Args) => {
          const rv = msg<RequestVote>(a);
          return rv.term === a.context.term && (a.context.votedFor === null || a.context.votedFor === rv.candidateId);
        },
      },
    }),
  },
  {
    name: 'keep-vote-on-new-term',
    description: 'keeps its old vote when it adopts a higher term',
    createNode: variant({
      actions: {
        adoptTerm: (a: Args) => {
          a.context.term = msg(a).term;
          a.context.leaderId = null;
          record(a.context, { kind: 'term', term: a.context.term });
        },
      },
    }),
  },
  {
    name: 'commit-old-term',
    description: 'commits entries of earlier terms by counting replicas (Figure 8)',
    createNode: variant({
      actions: {
        advanceCommitIndex: ({ context }: Args) => {
          const anyTerm = (i: number) => (i <= context.log.lastIndex ? context.term : undefined);
          const n = commitIndexFromMatches([...context.matchIndex.values()], context.log.lastIndex, context.majority, anyTerm, context.term, context.commitIndex);
          if (n > context.commitIndex) {
            context.commitIndex = n;
            record(context, { kind: 'commit', commitIndex: n });
            applyCommitted(context);
          }
        },
      },
    }),
  },
  {
    name: 'majority-off-by-one',
    description: 'becomes leader with one vote short of a majority',
    createNode: variant({ guards: { hasVoteMajority: ({ context }: Args) => context.votes.size >= context.majority - 1 } }),
  },
  {
    name: 'accept-stale-append',
    description: 'accepts AppendEntries from a leader of an older term',
    createNode: variant({ guards: { isStaleTerm: (a: Args) => msg(a).type !== 'AppendEntries' && msg(a).term < a.context.term } }),
  },
  {
    name: 'truncate-on-match',
    description: 'deletes everything after prevLogIndex even when the entries match (a stale request truncates)',
    createNode: variant({
      actions: {
        acceptAppendEntries: (a: Args) => {
          const ae = msg<AppendEntries>(a);
          if (ae.prevLogIndex < a.context.log.lastIndex) {
            a.context.log.truncateFrom(ae.prevLogIndex + 1);
            record(a.context, { kind: 'truncate', fromIndex: ae.prevLogIndex + 1 });
          }
          acceptAppendEntries(a.context, ae);
        },
      },
    }),
  },
  {
    name: 'commit-without-min',
    description: 'sets commitIndex to leaderCommit, not min(leaderCommit, index of last new entry)',
    createNode: variant({
      actions: {
        acceptAppendEntries: (a: Args) => {
          const ae = msg<AppendEntries>(a);
          acceptAppendEntries(a.context, ae);
          if (ae.leaderCommit > a.context.commitIndex) {
            a.context.commitIndex = ae.leaderCommit;
            record(a.context, { kind: 'commit', commitIndex: ae.leaderCommit });
          }
        },
      },
    }),
  },
  {
    name: 'leader-ignores-higher-term',
    description: 'a leader ignores a higher term in responses and keeps leading',
    createNode: variant({
      guards: { hasHigherTerm: (a: Args) => msg(a).term > a.context.term && !(a.context.role === 'leader' && msg(a).type.endsWith('Response')) },
    }),
  },
  {
    name: 'count-old-votes',
    description: 'counts granted votes from earlier terms',
    createNode: variant({ guards: { isVoteForCurrentTerm: (a: Args) => msg<RequestVoteResponse>(a).voteGranted } }),
  },
  {
    name: 'forget-vote-on-restart',
    description: 'does not persist votedFor: a restart forgets the vote of the current term',
    createNode: (config, options) => createReferenceNode(config, { ...options, ...(options.persisted ? { persisted: { ...options.persisted, votedFor: null } } : {}) }),
  },
  {
    name: 'forget-log-on-restart',
    description: 'does not persist the log: a restart comes back with an empty log',
    createNode: (config, options) => createReferenceNode(config, { ...options, ...(options.persisted ? { persisted: { ...options.persisted, log: [] } } : {}) }),
  },
  {
    name: 'skip-consistency-check',
    description: 'accepts AppendEntries without checking prevLogIndex/prevLogTerm',
    createNode: variant({ guards: { logMatches: () => true } }),
  },
  {
    name: 'apply-before-commit',
    description: 'applies a follower\'s new entries as soon as they are appended',
    createNode: variant({
      actions: {
        acceptAppendEntries: (a: Args) => {
          acceptAppendEntries(a.context, msg<AppendEntries>(a));
          const last = a.context.log.lastIndex;
          if (a.context.commitIndex < last) {
            const saved = a.context.commitIndex;
            a.context.commitIndex = last;
            applyCommitted(a.context);
            a.context.commitIndex = saved;
          }
        },
      },
    }),
  },
  // Protocol extensions (src/raft/features): each mutant breaks one rule of one feature.
  {
    name: 'prevote-bumps-term',
    description: 'PreVote: a pre-candidate increments its term when it asks for pre-votes (a partitioned node still inflates its term)',
    ...featureVariant('prevote', {
      actions: {
        startPreVote: ({ context }: Args) => {
          context.term += 1;
          context.votedFor = null;
          record(context, { kind: 'term', term: context.term });
          startPreVote(context);
        },
      },
    }),
  },
  {
    name: 'prevote-grant-in-lease',
    description: 'PreVote: grants a pre-vote while it has heard from a leader within the minimum election timeout',
    ...featureVariant('prevote', {
      guards: {
        canGrantPreVote: (a: Args) => {
          const pv = msg<PreVote>(a);
          const c = a.context;
          return c.role !== 'leader' && (pv.term > c.term || (pv.term === c.term && (c.votedFor === null || c.votedFor === pv.candidateId))) && isLogUpToDate(pv.lastLogTerm, pv.lastLogIndex, c.log.lastTerm, c.log.lastIndex);
        },
      },
    }),
  },
  {
    name: 'prevote-skip-majority',
    description: 'PreVote: a pre-candidate starts the election without waiting for a majority of pre-votes',
    ...featureVariant('prevote', { guards: { hasPreVoteMajority: () => true } }),
  },
  {
    name: 'checkquorum-never-steps-down',
    description: 'CheckQuorum: a leader never finds it has lost its quorum (it keeps leading a minority)',
    ...featureVariant('checkquorum', { guards: { hasQuorumContact: () => true } }),
  },
  {
    name: 'checkquorum-vote-in-lease',
    description: 'CheckQuorum: grants a vote to a RequestVote that arrives while it has heard from a live leader (no leader stickiness)',
    ...featureVariant('checkquorum', { guards: { isDisruptiveVoteRequest: () => false } }),
  },
  {
    name: 'transfer-to-lagging-target',
    description: 'Leader transfer: sends TimeoutNow at once, before the target holds the whole log',
    ...featureVariant('transfer', {
      actions: {
        startTransfer: ({ context, event }: Args) => {
          if (event.type !== 'TRANSFER_LEADERSHIP') return;
          context.transferTarget = event.target;
          record(context, { kind: 'set_timer', timer: 'transfer', after: context.config.electionTimeout.max });
          sendTimeoutNow(context, event.target);
        },
      },
    }),
  },
  {
    name: 'heartbeat-commit-ignores-match',
    description: "Heartbeat messages: a leader's Heartbeat carries its commitIndex, not min(matchIndex, commitIndex) (a follower may commit entries it does not hold)",
    ...featureVariant('heartbeat', {
      actions: {
        broadcastHeartbeats: ({ context }: Args) => {
          for (const peer of context.peers) record(context, { kind: 'send', msg: { type: 'Heartbeat', from: context.id, to: peer, term: context.term, commit: context.commitIndex } });
        },
      },
    }),
  },
  {
    name: 'heartbeat-unanswered',
    description: 'Heartbeat messages: a follower heeds a Heartbeat and commits to it, but never answers it',
    ...featureVariant('heartbeat', {
      actions: {
        // Heeded as the reference does, and never answered.
        acceptHeartbeat: (a: Args) => heedHeartbeat(a.context, msg<Heartbeat>(a)),
      },
    }),
  },
  {
    name: 'transfer-keeps-serving',
    description: 'Leader transfer: the leader keeps appending client requests while it hands leadership over',
    ...featureVariant('transfer', { guards: { isTransferring: () => false } }),
  },
  {
    name: 'snapshot-uncommitted',
    description: 'Snapshots: a node snapshots its whole log, entries not yet committed included',
    ...featureVariant('snapshot', {
      actions: {
        snapshotIfDue: ({ context }: Args) => {
          const every = context.config.snapshotEvery ?? 0;
          if (every > 0 && context.lastApplied - context.log.snapshotIndex >= every) takeSnapshot(context, context.log.lastIndex, context.value);
        },
      },
    }),
  },
  {
    name: 'snapshot-keep-conflicting-suffix',
    description: 'Snapshots: installing a snapshot keeps the log after its last index even where the entry there has another term',
    ...featureVariant('snapshot', {
      actions: {
        installSnapshot: (a: Args) => {
          const m = msg<InstallSnapshot>(a);
          const log = a.context.log;
          // Pretend the entry at lastIncludedIndex agrees whatever its term: the suffix stays.
          if (m.lastIncludedIndex <= log.lastIndex && log.termAt(m.lastIncludedIndex) !== m.lastIncludedTerm) {
            const suffix = log.slice(m.lastIncludedIndex + 1, Number.MAX_SAFE_INTEGER);
            installSnapshot(a.context, m);
            log.append(suffix);
            const last = a.context.out.findLast((r) => r.effect.kind === 'install_snapshot');
            if (last?.effect.kind === 'install_snapshot') {
              last.effect.logKept = true;
              last.state.lastLogIndex = log.lastIndex;
              last.state.lastLogTerm = log.lastTerm;
            }
            return;
          }
          installSnapshot(a.context, m);
        },
      },
    }),
  },
  {
    name: 'snapshot-restart-ignores-snapshot',
    description: 'Snapshots: a restart loads the persisted log but not the snapshot: its state machine starts empty at index 0',
    features: ['snapshot'],
    createNode: Object.assign(
      (config: Parameters<NodeFactory>[0], options: Parameters<NodeFactory>[1]) => {
        const node = createReferenceNode(config, options);
        const snapshot = options.persisted?.snapshot;
        if (!snapshot) return node;
        // The log keeps its absolute indices; commitIndex, lastApplied and the register start afresh.
        const ctx = (node as unknown as { ctx: { commitIndex: number; lastApplied: number; value: unknown } }).ctx;
        ctx.commitIndex = 0;
        ctx.lastApplied = 0;
        ctx.value = null;
        return node;
      },
      { features: ['snapshot'] as const },
    ),
  },
  {
    name: 'membership-change-before-term-commit',
    description: 'Membership: a new leader changes the configuration before it has committed an entry of its own term (the 2015 single-server change bug)',
    ...featureVariant('membership', {
      guards: { canChangeConfiguration: (a: Args) => hasNoPendingChange(a.context) && requestedConfiguration(a) !== null },
    }),
  },
  {
    name: 'membership-two-changes-at-once',
    description: 'Membership: a leader starts a configuration change while an earlier one is still uncommitted in its log',
    ...featureVariant('membership', {
      guards: { canChangeConfiguration: (a: Args) => hasCommittedInTerm(a.context) && requestedConfiguration(a) !== null },
    }),
  },
  {
    name: 'membership-config-on-commit',
    description: 'Membership: a configuration takes effect when its entry is committed, not when it is appended',
    ...featureVariant('membership', {
      actions: {
        appendConfiguration: (a: Args) => {
          const c = requestedConfiguration(a)!;
          const ctx = a.context;
          const entry = { term: ctx.term, command: { type: 'config' as const, voters: [...c.voters], learners: [...c.learners] } };
          ctx.log.append([entry]);
          record(ctx, { kind: 'append', index: ctx.log.lastIndex, entries: [entry] });
          advanceCommitIndexByConfiguration(ctx);
          adoptCommittedConfiguration(ctx);
        },
        adoptLatestConfiguration: ({ context }: Args) => adoptCommittedConfiguration(context),
        advanceCommitIndexByConfiguration: ({ context }: Args) => {
          advanceCommitIndexByConfiguration(context);
          adoptCommittedConfiguration(context);
        },
      },
    }),
  },
  {
    name: 'membership-removed-leader-keeps-leading',
    description: 'Membership: a leader that removed itself keeps leading after the removal is committed',
    ...featureVariant('membership', { guards: { isRemovedAndCommitted: () => false } }),
  },
  // Feature config-on-apply (etcd's timing): a switch at the append, a second change before the first is applied.
  {
    name: 'config-on-apply-switch-at-append',
    description: 'Config on apply: a node switches to a configuration when it appends the entry, not when it applies it (the thesis\'s timing under etcd\'s)',
    ...featureVariant(['membership', 'config-on-apply'], {
      actions: {
        adoptAppliedConfiguration: ({ context }: Args) => adoptLatestConfiguration(context),
        appendConfigurationOnApply: (a: Args) => {
          const c = requestedConfiguration(a)!;
          const ctx = a.context;
          const entry = { term: ctx.term, command: { type: 'config' as const, voters: [...c.voters], learners: [...c.learners] } };
          ctx.log.append([entry]);
          record(ctx, { kind: 'append', index: ctx.log.lastIndex, entries: [entry] });
          adoptLatestConfiguration(ctx);
          advanceCommitIndexOnApply(ctx);
        },
      },
    }),
  },
  {
    name: 'config-on-apply-two-changes-at-once',
    description: 'Config on apply: a leader starts a configuration change while an earlier one is not yet applied (etcd\'s pendingConfIndex ignored)',
    ...featureVariant(['membership', 'config-on-apply'], {
      guards: { canChangeConfigurationOnApply: (a: Args) => hasAppliedEarlierTerms(a.context) && a.context.transferTarget === null && requestedConfiguration(a) !== null },
    }),
  },
  // Compositions with membership: a quorum or a target that does not follow the configuration.
  {
    name: 'membership-prevote-counts-non-voters',
    description: "Membership with PreVote: a pre-candidate asks every server of the cluster, learners, removed servers and non-members included, and counts any grant towards its configuration's majority",
    ...featureVariant(['prevote', 'membership'], {
      actions: {
        startPreVote: ({ context }: Args) => {
          context.leaderId = null;
          context.preVotes = new Set([context.id]);
          context.refusals = new Set();
          armElectionTimer(context);
          for (const peer of context.config.members.filter((m) => m !== context.id)) {
            record(context, { kind: 'send', msg: { type: 'PreVote', from: context.id, to: peer, term: context.term + 1, candidateId: context.id, lastLogIndex: context.log.lastIndex, lastLogTerm: context.log.lastTerm } });
          }
        },
      },
      guards: { hasPreVoteMajority: ({ context }: Args) => context.preVotes.size >= context.majority },
    }),
  },
  {
    name: 'membership-checkquorum-static-quorum',
    description: "Membership with CheckQuorum: a leader's quorum check counts any answer, a learner's included, against a majority of every server of the cluster, not of its configuration's voters",
    ...featureVariant(['checkquorum', 'membership'], {
      guards: { hasQuorumContact: ({ context }: Args) => context.recentlyActive.size + 1 >= Math.floor(context.config.members.length / 2) + 1 },
    }),
  },
  {
    name: 'membership-transfer-to-learner',
    description: 'Membership with leader transfer: a leader hands leadership to any member it replicates to, a learner included',
    ...featureVariant(['transfer', 'membership'], {
      guards: { isNewTransferTarget: ({ context, event }: Args) => event.type === 'TRANSFER_LEADERSHIP' && context.peers.includes(event.target) && context.transferTarget !== event.target },
    }),
  },
  {
    name: 'membership-snapshot-drops-configuration',
    description: "Membership with snapshots: a follower installs a snapshot without the configuration it carries (it falls back to the one its log or the initial one gives)",
    ...featureVariant(['snapshot', 'membership'], {
      actions: {
        installSnapshot: (a: Args) => {
          const { config: _dropped, ...withoutConfig } = msg<InstallSnapshot>(a);
          installSnapshot(a.context, withoutConfig);
        },
      },
    }),
  },
];

/** The configuration a `reconfigure` request asks for, from the node's current one (null: it does not apply). */
function requestedConfiguration({ context, event }: Args): Configuration | null {
  return event.type === 'RECONFIGURE' ? changedConfiguration(context, event.change, event.server) : null;
}

/** membership-config-on-commit: the latest configuration at or under commitIndex is the one in effect. */
function adoptCommittedConfiguration(ctx: Args['context']): void {
  let index = Math.min(ctx.commitIndex, ctx.log.lastIndex);
  while (index > 0 && !configurationIn(ctx.log.entry(index))) index--;
  const configuration = configurationIn(ctx.log.entry(index)) ?? initialConfiguration(ctx.config);
  if (index !== ctx.configIndex) enterConfiguration(ctx, index, configuration);
}

export function findMutant(name: string): Mutant | undefined {
  return MUTANTS.find((m) => m.name === name);
}
