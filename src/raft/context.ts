/**
 * The reference node's state (the statechart's context) and the recorder through which rules
 * report their effects. The context is mutated in place by the rules — the statechart never
 * copies it — so a step costs what its effects cost, not what the log weighs.
 */
import type { Random } from '../random.js';
import { appliedConfiguration, latestConfiguration, peersIn, quorumOf, snapshotConfigEntry, type Configuration } from './configuration.js';
import { RaftLog } from './log.js';
import { INITIAL_VALUE } from './register.js';
import type { Effect, NodeConfig, PersistentState, RegisterState, Role, StateSummary, StepRecord } from './types.js';

export interface NodeContext {
  readonly config: NodeConfig;
  readonly id: string;
  /**
   * Those a leader replicates to and a candidate asks for votes: the other members, in
   * `config.members` order (feature `membership`: the voters and learners of the node's
   * configuration, itself excepted).
   */
  peers: readonly string[];
  /** Votes or replicas needed: a strict majority of the members (feature `membership`: of the configuration's voters). */
  majority: number;
  /**
   * The configuration in effect: every member a voter, fixed, without feature `membership`;
   * with it, the latest configuration entry in the log (at `configIndex`; 0: the initial one).
   */
  configuration: Configuration;
  configIndex: number;
  readonly random: Random;
  /** Mirrors the statechart's state value, so that summaries are O(1). */
  role: Role;
  // Persistent state (Figure 2).
  term: number;
  votedFor: string | null;
  readonly log: RaftLog;
  // Volatile state.
  commitIndex: number;
  lastApplied: number;
  value: RegisterState;
  leaderId: string | null;
  /** Candidate: granted votes of the current term (a set: a duplicate counts once). */
  votes: Set<string>;
  /** Candidate, pre-candidate: who refused its vote (or pre-vote) in the current term, since its election (or round) began (rules/election-lost.ts). */
  refusals: Set<string>;
  /** Leader: per peer. */
  nextIndex: Map<string, number>;
  matchIndex: Map<string, number>;
  /** Entries this node appended for a client, by index: it answers when it applies them. */
  pending: Map<number, { client: string; requestId: number }>;
  // State of the features (src/raft/features); untouched by the base chart.
  /** prevote: pre-votes granted in the current round (the node's own included). */
  preVotes: Set<string>;
  /** prevote, checkquorum: heard from the leader `leaderId` within the minimum election timeout. */
  leaseHeld: boolean;
  /** checkquorum: peers the leader heard from since its last quorum check. */
  recentlyActive: Set<string>;
  /** transfer: the leader is handing leadership to this peer (it takes no client requests meanwhile). */
  transferTarget: string | null;
  /** transfer: TimeoutNow asks for the next election. */
  transferElection: boolean;
  /** transfer: the current election was started by TimeoutNow (its RequestVotes say so). */
  electionByTransfer: boolean;
  /** snapshot: the register after the entries the snapshot covers (`log.snapshotIndex`). */
  snapshotValue: RegisterState;
  /** Effects of the current step, in order. */
  out: StepRecord[];
}

/** A resumed node's volatile collections (snapshot.ts), given to createContext so that it makes no empty ones to be replaced. */
export type ResumedCollections = Pick<NodeContext, 'votes' | 'nextIndex' | 'matchIndex' | 'pending'>;

export function createContext(config: NodeConfig, random: Random, persisted?: PersistentState, resumed?: ResumedCollections): NodeContext {
  if (!config.members.includes(config.id)) throw new Error(`node ${config.id} is not among the members ${config.members.join(', ')}`);
  // A restart from a snapshot (feature `snapshot`) resumes from it: its entries are committed and applied.
  const snapshot = persisted?.snapshot;
  const log = new RaftLog(persisted?.log ?? [], snapshot && { index: snapshot.index, term: snapshot.term, config: snapshotConfigEntry(snapshot.config) });
  // Feature `membership`: a restart resumes in the latest configuration of its log; with
  // `config-on-apply`, in the one it has applied: the snapshot's (the entries after it are applied again once known committed).
  const { index: configIndex, configuration, peers, majority } = configurationInEffect(log, config);
  return {
    config,
    id: config.id,
    peers,
    majority,
    configuration,
    configIndex,
    random,
    role: 'follower',
    term: persisted?.term ?? 0,
    votedFor: persisted?.votedFor ?? null,
    log,
    commitIndex: snapshot?.index ?? 0,
    lastApplied: snapshot?.index ?? 0,
    value: snapshot ? snapshot.value : INITIAL_VALUE,
    leaderId: null,
    votes: resumed ? resumed.votes : new Set(),
    refusals: new Set(),
    nextIndex: resumed ? resumed.nextIndex : new Map(),
    matchIndex: resumed ? resumed.matchIndex : new Map(),
    pending: resumed ? resumed.pending : new Map(),
    preVotes: new Set(),
    leaseHeld: false,
    recentlyActive: new Set(),
    transferTarget: null,
    transferElection: false,
    electionByTransfer: false,
    snapshotValue: snapshot ? snapshot.value : INITIAL_VALUE,
    out: [],
  };
}

interface ConfigurationInEffect {
  index: number;
  configuration: Configuration;
  peers: readonly string[];
  majority: number;
}

/** The initial configuration's peers and majority, by node config (explore builds a node per step; peers and configurations are replaced, never mutated). */
const initialByConfig = new WeakMap<NodeConfig, ConfigurationInEffect>();

function configurationInEffect(log: RaftLog, config: NodeConfig): ConfigurationInEffect {
  const onApply = config.features?.includes('config-on-apply') === true;
  const initial = (onApply ? log.configIndexAtOrBefore(log.snapshotIndex) : log.lastConfigIndex) === 0;
  const cached = initial ? initialByConfig.get(config) : undefined;
  if (cached) return cached;
  const { index, configuration } = onApply ? appliedConfiguration(log, config, log.snapshotIndex) : latestConfiguration(log, config);
  const inEffect = { index, configuration, peers: peersIn(configuration, config.id), majority: quorumOf(configuration) };
  if (initial) initialByConfig.set(config, inEffect);
  return inEffect;
}

export function summarize(ctx: NodeContext): StateSummary {
  const summary: StateSummary = {
    role: ctx.role,
    term: ctx.term,
    votedFor: ctx.votedFor,
    commitIndex: ctx.commitIndex,
    lastApplied: ctx.lastApplied,
    lastLogIndex: ctx.log.lastIndex,
    lastLogTerm: ctx.log.lastTerm,
    value: ctx.value,
  };
  // Only a node with a snapshot (feature `snapshot`) says where it is: other traces stay as they were.
  if (ctx.log.snapshotIndex > 0) {
    summary.snapshotIndex = ctx.log.snapshotIndex;
    summary.snapshotTerm = ctx.log.snapshotTerm;
  }
  return summary;
}

/** Records an effect with the node's state right after it. */
export function record(ctx: NodeContext, effect: Effect): void {
  ctx.out.push({ effect, state: summarize(ctx) });
}
