/**
 * The contract between the reference Raft node (src/raft) and whatever drives it (the
 * simulator, the fuzzer, the checker). A node is a pure step function over explicit inputs:
 * it owns no clock, no timers and no I/O. Each step returns the node's effects in the order
 * they happened, each paired with the node's state right after it, which is exactly what a
 * v1 trace records.
 */
import type {
  AppendEntries, AppendEntriesResponse, ClientResult, Command, ConfigChange, Entry, InstallSnapshot, InstallSnapshotResponse, Message, NodeId, Operation, PersistentState,
  Heartbeat, HeartbeatResponse, PreVote, PreVoteResponse, RegisterState, RequestVote, RequestVoteResponse, Role, Snapshot, SnapshotConfig, TimeoutNow,
} from '../trace/schema.js';
import type { Feature } from './features/index.js';

export type {
  AppendEntries, AppendEntriesResponse, ClientResult, Command, ConfigChange, Entry, Feature, InstallSnapshot, InstallSnapshotResponse, Message, NodeId, Operation, PersistentState,
  Heartbeat, HeartbeatResponse, PreVote, PreVoteResponse, RegisterState, RequestVote, RequestVoteResponse, Role, Snapshot, SnapshotConfig, TimeoutNow,
};

/** Distributes Omit over a union (plain Omit collapses the tagged union). */
export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A message as a node produces it; the driver assigns the `id`. */
export type MessageBody = DistributiveOmit<Message, 'id'>;

/**
 * The base timers, and those of the features: `lease` (prevote, checkquorum: a follower's
 * belief that its leader is alive ends), `quorum` (checkquorum: a leader checks it heard from a
 * majority), `transfer` (transfer: a leadership transfer gives up).
 */
export type TimerName = 'election' | 'heartbeat' | 'lease' | 'quorum' | 'transfer';
export const TIMER_NAMES: readonly TimerName[] = ['election', 'heartbeat', 'lease', 'quorum', 'transfer'];

export interface NodeConfig {
  id: NodeId;
  /** Every member of the cluster, this node included, in a fixed order. */
  members: readonly NodeId[];
  /** Election timeout range in ms; a fresh uniform draw on every reset (paper §5.2: 150-300). */
  electionTimeout: { min: number; max: number };
  /** Heartbeat interval in ms (must be well below the election timeout). */
  heartbeatInterval: number;
  /** Most entries one AppendEntries carries. */
  maxEntriesPerMessage: number;
  /** Protocol extensions the node runs (src/raft/features); absent or empty: Figure 2 only. */
  features?: readonly Feature[];
  /**
   * Feature `snapshot`: take a snapshot once this many entries are applied past the last one
   * (absent or 0: never on its own; the checker's shadows snapshot where the trace says).
   */
  snapshotEvery?: number;
  /**
   * Feature `membership`: the initial configuration, before any configuration entry (absent:
   * every member a voter). A member in neither list starts as a non-member.
   */
  configuration?: { voters: readonly NodeId[]; learners: readonly NodeId[] };
}

export const DEFAULT_NODE_CONFIG: Omit<NodeConfig, 'id' | 'members'> = {
  electionTimeout: { min: 150, max: 300 },
  heartbeatInterval: 50,
  maxEntriesPerMessage: 64,
};

/**
 * A message the trace format has no kind for (an etcd heartbeat, a pre-vote): the harness
 * carries it through the same network, logs it as a "not modelled" note and counts it.
 * `wire` is the implementation's own message, handed back verbatim to the receiver.
 */
export interface UnmodelledMessage {
  from: NodeId;
  to: NodeId;
  /** The implementation's name for the message kind, e.g. `MsgHeartbeat`. */
  name: string;
  term?: number;
  wire: unknown;
}

/** What can happen to a node from outside. */
export type NodeInput =
  | { type: 'timeout'; timer: TimerName }
  /** `wire`: the sender's own form of the message, when it gave one (never logged). */
  | { type: 'receive'; msg: Message; wire?: unknown }
  | { type: 'receive_unmodelled'; msg: UnmodelledMessage }
  /** One tick of a node whose timers count ticks (see `RaftNode.tickMs`). */
  | { type: 'tick' }
  | { type: 'client_request'; client: string; requestId: number; op: Operation }
  /** Feature `transfer`: hand leadership to `target` (only a leader acts on it). */
  | { type: 'transfer'; target: NodeId }
  /**
   * Feature `snapshot`: snapshot the register after `index` (holding `value`) and compact the
   * log there, if `index` is applied and past the last snapshot. The checker's shadows take the
   * snapshots a trace logs this way; the reference takes its own (`snapshotEvery`).
   */
  | { type: 'snapshot'; index: number; value: RegisterState }
  /** Feature `membership`: change the configuration by one server (only a leader acts on it, one change at a time). */
  | { type: 'reconfigure'; change: ConfigChange; server: NodeId };

/** What a node does in response. Every effect but `set_timer` is a v1 trace event kind. */
export type Effect =
  /** `wire`: the implementation's own form of the message, delivered with it (never logged). */
  | { kind: 'send'; msg: MessageBody; wire?: unknown }
  /** A message the trace format does not model (logged as a note, counted). */
  | { kind: 'send_unmodelled'; msg: Omit<UnmodelledMessage, 'from'> }
  /** A tick-driven node reports that a tick fired this timer (logged as a `timeout` input). */
  | { kind: 'timeout'; timer: TimerName }
  | { kind: 'role'; role: Role }
  | { kind: 'term'; term: number }
  | { kind: 'vote'; votedFor: NodeId }
  | { kind: 'append'; index: number; entries: Entry[] }
  | { kind: 'truncate'; fromIndex: number }
  | { kind: 'commit'; commitIndex: number }
  | { kind: 'apply'; index: number; command: Command; value: RegisterState; result: 'ok' | 'cas_failed' }
  | { kind: 'client_response'; client: string; requestId: number; result: ClientResult }
  /** Feature `snapshot`: a snapshot through `index` was taken and the log compacted there. */
  | { kind: 'snapshot'; index: number; term: number; value: RegisterState; config?: SnapshotConfig }
  /** Feature `snapshot`: a received snapshot was installed (Figure 13). */
  | { kind: 'install_snapshot'; index: number; term: number; value: RegisterState; logKept: boolean; config?: SnapshotConfig }
  /** Feature `membership`: the configuration in effect changed (the entry at `index`; 0: the initial one). */
  | { kind: 'config'; index: number; voters: NodeId[]; learners: NodeId[] }
  /** (Re)arm a timer to fire `after` ms from now, replacing any earlier arming of it. */
  | { kind: 'set_timer'; timer: TimerName; after: number }
  /** Disarm a timer (a leader has no election timer, a follower no heartbeat timer). */
  | { kind: 'cancel_timer'; timer: TimerName };

/** The O(1) summary of a node's state recorded after each effect. */
export interface StateSummary {
  role: Role;
  term: number;
  votedFor: NodeId | null;
  commitIndex: number;
  lastApplied: number;
  lastLogIndex: number;
  lastLogTerm: number;
  value: RegisterState;
  /** Feature `snapshot`: present once the node has a snapshot. */
  snapshotIndex?: number;
  snapshotTerm?: number;
}

export interface StepRecord {
  effect: Effect;
  state: StateSummary;
}

/** Everything observable about a node (for tests, the viewer and adapters). */
export interface NodeView extends StateSummary {
  id: NodeId;
  leaderId: NodeId | null;
  /** The log, entry 1 at position 0 (with a snapshot: entry snapshotIndex + 1). Read-only: a live view, not a copy. */
  log: readonly Entry[];
}

/** A running node. */
export interface RaftNode {
  readonly id: NodeId;
  /**
   * Set for a node whose timers count ticks (etcd style): the driver gives it a `tick` input
   * every `tickMs` ms of virtual time. Unset: the node arms its timers with `set_timer`.
   */
  readonly tickMs?: number;
  /** Effects of starting (or restarting) the node: it arms its election timer. */
  start(): StepRecord[];
  step(input: NodeInput): StepRecord[];
  view(): NodeView;
  /** A copy of currentTerm, votedFor and the log: what survives a crash. */
  persistent(): PersistentState;
  /** Effects of work the node finishes just before it crashes (asynchronous implementations), logged before the crash. */
  beforeCrash?(): StepRecord[];
  /** Stops the node and returns what it persisted (default: `persistent()`); the node is not used again. */
  crash?(): PersistentState;
  /** Releases what the node holds (an external process) at the end of a run. */
  dispose?(): void;
}
