/**
 * The reference node behind the `RaftNode` interface, stepped synchronously; each step returns
 * the effects the rules recorded, with the state after each. Its statechart (node-machine.ts,
 * or a variant of it) runs on an engine (./engine.ts): the direct interpreter by default, or
 * an XState actor.
 */
import type { Random } from '../random.js';
import { createContext, summarize, type NodeContext } from './context.js';
import { DEFAULT_ENGINE, resumeEngine, startEngine, type Engine, type Runner } from './engine.js';
import { inLease } from './features/lease.js';
import { contextFromSnapshot, snapshotOf, type NodeSnapshot } from './snapshot.js';
import { snapshotConfiguration } from './configuration.js';
import { machineFor, type NodeEvent, type RaftNodeMachine } from './node-machine.js';
import type { TakenTransition } from './transitions.js';
import type { Entry, NodeConfig, NodeInput, NodeView, PersistentState, RaftNode, RegisterState, SnapshotConfig, StateSummary, StepRecord, TimerName } from './types.js';

export { DEFAULT_ENGINE, ENGINES, parseEngine, type Engine } from './engine.js';
export type { NodeSnapshot } from './snapshot.js';

export interface ReferenceNodeOptions {
  /** Source of the election timeout draws (a fork of the run's seeded generator). */
  random: Random;
  /** Restart from this persistent state (term, vote, log); everything volatile starts afresh. */
  persisted?: PersistentState;
  /**
   * A variant of the statechart (same states and events, other guards or actions): the bug
   * catalogue's mutants. Default: the chart of `config.features`.
   */
  machine?: RaftNodeMachine;
  /** Told of every statechart transition the node takes (the viewer and transition coverage); costs nothing when absent. */
  onTransition?: (t: TakenTransition) => void;
  /** What runs the statechart (default: DEFAULT_ENGINE). */
  engine?: Engine;
  /**
   * Start in this whole state instead of afresh (`persisted` is then ignored): `start()` runs
   * no entry action and returns no effect. Runs on the interpreter whatever `engine` says.
   */
  resume?: NodeSnapshot;
}

const TIMER_EVENTS = {
  election: { type: 'ELECTION_TIMEOUT' },
  heartbeat: { type: 'HEARTBEAT_TIMEOUT' },
  lease: { type: 'LEASE_TIMEOUT' },
  quorum: { type: 'QUORUM_TIMEOUT' },
  transfer: { type: 'TRANSFER_TIMEOUT' },
} as const satisfies Record<TimerName, NodeEvent>;

function toEvent(input: NodeInput): NodeEvent | null {
  switch (input.type) {
    case 'tick':
    case 'receive_unmodelled':
      return null; // the reference arms timers and knows only the modelled messages
    case 'timeout':
      return TIMER_EVENTS[input.timer];
    case 'client_request':
      return { type: 'CLIENT_REQUEST', request: { client: input.client, requestId: input.requestId, op: input.op } };
    case 'receive':
      return { type: input.msg.type, msg: input.msg } as NodeEvent;
    case 'transfer':
      return { type: 'TRANSFER_LEADERSHIP', target: input.target };
    case 'snapshot':
      return { type: 'SNAPSHOT', index: input.index, value: input.value };
    case 'reconfigure':
      return { type: 'RECONFIGURE', change: input.change, server: input.server };
  }
}

/** What a reader of a reference node's log needs, without copying it. */
export interface LogView {
  readonly lastIndex: number;
  readonly lastTerm: number;
  termAt(index: number): number | undefined;
  entry(index: number): Entry | undefined;
  /** Entries from `from` (inclusive), at most `max`: a copy. */
  slice(from: number, max: number): Entry[];
}

/** A live, read-only view of a reference node's state: always current, never copied (the checker reads it on every event). */
export interface LiveState extends Readonly<StateSummary> {
  readonly leaderId: string | null;
  readonly log: LogView;
  /** Feature `transfer`: the peer a leader is handing leadership to. */
  readonly transferTarget: string | null;
  /** Feature `transfer`: the candidate's election was started by TimeoutNow. */
  readonly electionByTransfer: boolean;
  /** Features `prevote`, `checkquorum`: the node believes a leader alive (features/lease.ts). */
  readonly inLease: boolean;
  /** A leader's matchIndex for a peer (0 for a follower or an unknown peer). */
  matchIndexOf(peer: string): number;
  /** Feature `snapshot`: the snapshot's last index and term (0, 0: none) and the register it holds. */
  readonly snapshotIndex: number;
  readonly snapshotTerm: number;
  readonly snapshotValue: RegisterState;
  /** Features `membership` and `snapshot`: the configuration the snapshot carries (undefined without membership). */
  readonly snapshotConfig: SnapshotConfig | undefined;
}

/** Reads the node's current context (the engine's own object once started). */
class LiveView implements LiveState {
  constructor(public ctx: NodeContext) {}
  get role() { return this.ctx.role; }
  get term() { return this.ctx.term; }
  get votedFor() { return this.ctx.votedFor; }
  get commitIndex() { return this.ctx.commitIndex; }
  get lastApplied() { return this.ctx.lastApplied; }
  get lastLogIndex() { return this.ctx.log.lastIndex; }
  get lastLogTerm() { return this.ctx.log.lastTerm; }
  get value() { return this.ctx.value; }
  get leaderId() { return this.ctx.leaderId; }
  get log(): LogView { return this.ctx.log; }
  get transferTarget() { return this.ctx.transferTarget; }
  get electionByTransfer() { return this.ctx.electionByTransfer; }
  get inLease() { return inLease(this.ctx); }
  matchIndexOf(peer: string): number { return this.ctx.matchIndex.get(peer) ?? 0; }
  get snapshotIndex() { return this.ctx.log.snapshotIndex; }
  get snapshotTerm() { return this.ctx.log.snapshotTerm; }
  get snapshotValue() { return this.ctx.snapshotValue; }
  get snapshotConfig() { return snapshotConfiguration(this.ctx.log, this.ctx.config); }
}

/** A reference node, with what tests, coverage and the checker's shadows read of it. */
export interface ReferenceRaftNode extends RaftNode {
  /** The statechart's current state (equal to the role). */
  stateValue(): string;
  readonly live: LiveState;
  /**
   * A candidate or pre-candidate that can no longer win returns to follower (rules/election-lost.ts):
   * a step the reference never takes by itself, shown to a shadow by the conformance checker.
   */
  concedeElection(): StepRecord[];
  /** The node's whole state as plain data (see snapshot.ts); a node built with `resume: snapshot()` continues from here. */
  snapshot(): NodeSnapshot;
}

class ReferenceNode implements ReferenceRaftNode {
  /** The statechart's context (the engine's own object once started). */
  private ctx: NodeContext;
  private readonly liveView: LiveView;
  private runner: Runner | null = null;
  private readonly machine: RaftNodeMachine;
  private readonly engine: Engine;
  private readonly onTransition: ((t: TakenTransition) => void) | undefined;
  private readonly resumeAt: string | undefined;

  constructor(config: NodeConfig, options: ReferenceNodeOptions) {
    this.ctx = options.resume ? contextFromSnapshot(config, options.random, options.resume) : createContext(config, options.random, options.persisted);
    this.resumeAt = options.resume?.state;
    this.machine = options.machine ?? machineFor(config.features);
    this.engine = options.engine ?? DEFAULT_ENGINE;
    this.onTransition = options.onTransition;
    this.liveView = new LiveView(this.ctx);
  }

  get id(): string {
    return this.ctx.id;
  }

  private take(): StepRecord[] {
    return this.ctx.out.splice(0);
  }

  start(): StepRecord[] {
    if (this.runner) throw new Error(`node ${this.id} already started`);
    const { runner, context } =
      this.resumeAt !== undefined ? resumeEngine(this.machine, this.ctx, this.resumeAt, this.onTransition) : startEngine(this.engine, this.machine, this.ctx, this.onTransition);
    this.runner = runner;
    this.ctx = context;
    this.liveView.ctx = context;
    this.throwError();
    return this.take();
  }

  step(input: NodeInput): StepRecord[] {
    if (!this.runner) throw new Error(`node ${this.id} is not started`);
    const event = toEvent(input);
    if (!event) return [];
    this.runner.send(event);
    this.throwError();
    return this.take();
  }

  concedeElection(): StepRecord[] {
    if (!this.runner) throw new Error(`node ${this.id} is not started`);
    this.runner.send({ type: 'ELECTION_LOST' });
    this.throwError();
    return this.take();
  }

  private throwError(): void {
    const error = this.runner?.error;
    if (error) throw error instanceof Error ? error : new Error(String(error));
  }

  /** The statechart's current state (equal to the role; exposed for tests and coverage). */
  stateValue(): string {
    return this.runner?.value ?? 'stopped';
  }

  get live(): LiveState {
    return this.liveView;
  }

  snapshot(): NodeSnapshot {
    return snapshotOf(this.ctx, this.stateValue());
  }

  view(): NodeView {
    return { id: this.id, leaderId: this.ctx.leaderId, log: this.ctx.log.view(), ...summarize(this.ctx) };
  }

  /** currentTerm, votedFor, the log and (feature `snapshot`) the snapshot: what survives a crash. */
  persistent(): PersistentState {
    const { log } = this.ctx;
    const persisted: PersistentState = { term: this.ctx.term, votedFor: this.ctx.votedFor, log: log.toArray() };
    if (log.snapshotIndex > 0) {
      const config = snapshotConfiguration(log, this.ctx.config);
      persisted.snapshot = { index: log.snapshotIndex, term: log.snapshotTerm, value: this.ctx.snapshotValue, ...(config ? { config } : {}) };
    }
    return persisted;
  }
}

export function createReferenceNode(config: NodeConfig, options: ReferenceNodeOptions): ReferenceRaftNode {
  return new ReferenceNode(config, options);
}
