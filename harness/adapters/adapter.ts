/**
 * The adapter interface: the few calls a Raft implementation must answer to be driven and
 * judged by raftcheck, whatever its internals. See docs/ADAPTERS.md for a walk-through.
 *
 * An adapter does no trace writing. After every call the harness observes the node
 * (`observe()`) and turns the difference from the previous observation into trace events
 * (`term`, `role`, `vote`, `truncate`, `append`, `commit`, `apply`); the messages and client
 * replies a call returns become `send` and `client_response` events (harness/adapters/adapt.ts).
 *
 * The same interface is spoken over JSON Lines by external processes (spec/DRIVER.md), so
 * an implementation in any language plugs in the same way.
 */
import type { Random } from '../../src/random.js';
import type {
  ClientResult, ConfigChange, Entry, Message, MessageBody, NodeConfig, NodeId, Operation, PersistentState, RegisterState, Role, SnapshotConfig, TimerName,
} from '../../src/raft/types.js';
import type { ImplementationProfile } from '../simulator/cluster.js';

/** What a node is created with. */
export interface AdapterInit {
  id: NodeId;
  /** Every member of the cluster, this node included, in a fixed order. */
  members: readonly NodeId[];
  /**
   * Timing and batching (election timeout range, heartbeat interval, entries per AppendEntries),
   * the run's features, and with them: `snapshotEvery` (feature `snapshot`: the run's snapshot
   * threshold, which a node may follow or replace by its own policy) and `configuration`
   * (feature `membership`: the initial configuration; absent: every member a voter).
   */
  config: NodeConfig;
  /**
   * Restart from this persistent state; absent for a fresh node (term 0, no vote, empty log).
   * With feature `snapshot` it may hold the snapshot the node persisted (`snapshot`: index,
   * term, value, and with `membership` the configuration it carries); `log` then holds the
   * entries after it, and the node resumes from it (commitIndex and lastApplied at its index).
   */
  persisted?: PersistentState;
  /** The node's own seeded generator: every random choice must come from it (determinism). */
  random: Random;
  /**
   * The cluster's virtual time in ms, for libraries that take `now` as an argument (never read
   * a real clock). raftcheck's simulator always gives it; it keeps running across restarts.
   */
  now?: () => number;
}

/** A message arriving at the node. */
export type Delivery =
  /** A Figure 2 message; `wire` is what the sender attached to it (see `Outgoing`), if anything. */
  | { msg: Message; wire?: unknown }
  /** A message the trace format does not model, as the sender gave it. */
  | { unmodelled: { from: NodeId; name: string; term?: number; wire: unknown } };

/** A message the node wants sent. */
export type Outgoing =
  /**
   * A Figure 2 message in trace form (logged as a `send`). `wire`, if given, travels with it and
   * is handed to the receiver's `deliver` instead of being rebuilt from the trace form: use it
   * for fields the trace does not carry.
   */
  | { msg: MessageBody; wire?: unknown }
  /** A message the trace format has no kind for (an etcd heartbeat, a pre-vote): logged as a note, counted. */
  | { unmodelled: { to: NodeId; name: string; term?: number; wire: unknown } };

/** A client operation submitted to this node. */
export interface ClientRequest {
  client: string;
  requestId: number;
  op: Operation;
}

export interface ClientReply {
  client: string;
  requestId: number;
  result: ClientResult;
}

/**
 * Feature `snapshot`: what a call did with snapshots (docs/ADAPTERS.md, "Snapshots"), as the
 * trace events `snapshot` and `install_snapshot` (spec/TRACE_FORMAT.md, revision 1.2).
 */
export type SnapshotReport =
  /**
   * The node took a snapshot of its register after applying entries 1..index (value `value`,
   * the entry at index of term `term`) and discarded its log through index. `entries`: the
   * entries it discarded past its previous snapshot, entry previous + 1 first, needed only for
   * those the harness never observed (appended and compacted within this call); given, they
   * are what the harness logs for those indices.
   */
  | { kind: 'snapshot'; index: number; term: number; value: RegisterState; config?: SnapshotConfig; entries?: Entry[] }
  /**
   * The node installed a snapshot it received (Figure 13): commitIndex and lastApplied become
   * `index`, the register `value`; `logKept`: its log held (index, term) and it kept the
   * entries after it (else it discarded its whole log).
   */
  | { kind: 'install_snapshot'; index: number; term: number; value: RegisterState; logKept: boolean; config?: SnapshotConfig };

/** What a call made the node do. Every field may be omitted. */
export interface Output {
  messages?: Outgoing[];
  /** Client requests answered by this call (to any client that asked this node earlier). */
  replies?: ClientReply[];
  /**
   * Timer changes of a node that arms its own timers: ms from now to (re)arm a timer, or
   * null to cancel it. A tick-driven node (`tickMs`) leaves this out.
   */
  timers?: Partial<Record<TimerName, number | null>>;
  /** Timers a tick fired (tick-driven nodes): each is logged as a `timeout` input before the tick's effects. */
  fired?: TimerName[];
  /**
   * The lowest log index from which this call deleted entries, if it deleted any (optional).
   * The harness sees only the log before and after a call: a node that deletes entries and
   * writes the very same ones back in one call (a stale AppendEntries handled by truncating)
   * shows no difference. Reported, the truncation is logged (`truncate` from this index, then
   * `append` of the entries the log holds from there), as a node that logs its own steps would.
   */
  truncatedFrom?: number;
  /**
   * Feature `snapshot`: snapshots this call took or installed, in order. A taken snapshot is
   * logged after the call's applies, an installed one before its log changes (as the reference
   * does); afterwards `observe().log` holds only the entries after the latest snapshot.
   */
  snapshots?: SnapshotReport[];
}

/** The node's observable state. The harness derives the trace's state changes from it. */
export interface Observation {
  role: Role;
  term: number;
  votedFor: NodeId | null;
  commitIndex: number;
  /**
   * The log, entry 1 first — with a snapshot (feature `snapshot`), the entries after it, entry
   * snapshotIndex + 1 first. A fresh array (or one never mutated afterwards).
   */
  log: readonly Entry[];
  /**
   * Feature `snapshot`, optional: the last index the node's snapshot covers (0: none). The
   * harness knows it from the snapshots reported and the restart; given, it is checked against it.
   */
  snapshotIndex?: number;
  /**
   * Feature `membership`: the configuration in effect (the latest configuration entry in the
   * log at `index`, committed or not; index 0: the initial one). Each change is logged as a
   * `config` event; a node that leaves it out logs none (and is not held to them).
   */
  config?: { index: number; voters: readonly NodeId[]; learners: readonly NodeId[] };
  /** Entries applied to the register (default: commitIndex, i.e. applied as soon as committed). */
  lastApplied?: number;
  /** The register's value (default: computed by applying the log up to lastApplied). */
  value?: RegisterState;
}

/** A node under test. Every call is synchronous; nothing happens between calls. */
export interface NodeUnderTest {
  /**
   * Set for a node whose timers count ticks: the harness calls `tick()` every `tickMs` ms of
   * virtual time. Unset: the node arms timers through `Output.timers` and the harness calls
   * `timeout()` when one comes due.
   */
  readonly tickMs?: number;
  /** The effects of starting (typically: arm the election timer). */
  start(): Output;
  deliver(delivery: Delivery): Output;
  /** A timer fired (or the harness forces an election: `timeout('election')` on any node). */
  timeout(timer: TimerName): Output;
  tick(): Output;
  client(request: ClientRequest): Output;
  /**
   * Feature `transfer` (declared in the profile): hand leadership to `target` (thesis §3.10).
   * Called only in runs of an implementation that declares the feature.
   */
  transfer?(target: NodeId): Output;
  /**
   * Feature `membership` (declared in the profile): change the configuration by one server —
   * `add` it as a learner, `promote` a learner to voter, `remove` a voter or learner (thesis
   * ch. 4). The simulator asks the leader of the highest term; a node that cannot make the
   * change now (not leader, a change still uncommitted) ignores it. Called only in runs of an
   * implementation that declares the feature.
   */
  reconfigure?(change: ConfigChange, server: NodeId): Output;
  observe(): Observation;
  /**
   * Optional: work the node finishes before it crashes, so that a crash never cuts a step in
   * half (the asynchronous bridge settles a node's pending tasks here under --interleave).
   */
  beforeCrash?(): Output;
  /** The node crashes: return what it had persisted (term, vote, log). It is not called again. */
  crash(): PersistentState;
  /** Releases resources at the end of a run (a node that is not crashed). */
  dispose?(): void;
}

/** An implementation: how to create its nodes, and which rules apply to it. */
export interface AdapterDefinition {
  name: string;
  create(init: AdapterInit): NodeUnderTest;
  profile?: ImplementationProfile;
}

/** Identity helper that gives an adapter module its type (`export default defineAdapter({...})`). */
export function defineAdapter(definition: AdapterDefinition): AdapterDefinition {
  return definition;
}
