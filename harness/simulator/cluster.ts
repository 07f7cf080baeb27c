/**
 * A simulated Raft cluster in virtual time: the nodes, their timers, the messages in flight,
 * partitions, crashes and restarts, and the v1 trace of everything that happens.
 *
 * The cluster decides nothing by itself. What happens next comes from its agenda (timers,
 * deliveries, and whatever a driver schedules: faults, client requests), and the fate of each
 * message from a network model. The random driver (simulate.ts) and a fuzzing schedule are two
 * such drivers of the same cluster.
 */
import type { Random } from '../../src/random.js';
import { createReferenceNode, type ReferenceNodeOptions } from '../../src/raft/node.js';
import { TIMER_NAMES, type Effect, type Message, type NodeConfig, type NodeInput, type NodeView, type PersistentState, type RaftNode, type StateSummary, type StepRecord, type TimerName, type UnmodelledMessage } from '../../src/raft/types.js';
import { type ClientResult, type ConfigChange, type NodeState, type Operation, type TraceLine } from '../../src/trace/schema.js';
import { canonicalFeatures, featuresRevision, type Feature } from '../../src/raft/features/index.js';
import type { TraceSink } from '../trace/sink.js';
import { VERSION } from '../version.js';
import { EventQueue } from './event-queue.js';
import { Partition, type NetworkModel } from './network.js';

/**
 * Which semantic rules apply to an implementation: an implementation that differs from the
 * paper by design (etcd-style heartbeats, pre-vote) skips the rules its differences make
 * meaningless, each with the reason, which fuzz reports print.
 */
export interface ImplementationProfile {
  skipRules?: ReadonlyArray<{ rule: string; reason: string }>;
  /**
   * Features beyond Figure 2 the implementation has (harness/adapters/features.ts): only those
   * raftcheck models may be declared.
   */
  features?: readonly string[];
}

/**
 * `engine`, `onTransition` and `resume` concern nodes built on the reference statechart (the reference,
 * the mutants), which pass them on to createReferenceNode; other implementations ignore them.
 */
export type NodeFactory = ((config: NodeConfig, options: { random: Random; persisted?: PersistentState; now?: () => number } & Pick<ReferenceNodeOptions, 'engine' | 'onTransition' | 'resume'>) => RaftNode) & {
  profile?: ImplementationProfile;
  /** Protocol extensions the implementation always runs (a feature's mutant): runs of it switch them on. */
  features?: readonly Feature[];
  /**
   * True for an implementation whose nodes have the features their profile declares and no
   * others (an adapter, a driver): its runs have exactly those (harness/adapters/features.ts).
   * Unset: the reference's nodes take the features of the run's config.
   */
  declaresFeatures?: boolean;
};

export interface ClusterOptions {
  ids: readonly string[];
  node: Omit<NodeConfig, 'id' | 'members'>;
  /** Root generator; each node draws its timeouts from its own fork. */
  random: Random;
  network: NetworkModel;
  sink: TraceSink;
  seed?: number;
  meta?: Record<string, unknown>;
  createNode?: NodeFactory;
  /** The rules the run does not check, recorded in the header (default: those of createNode's profile). */
  skipRules?: ReadonlyArray<{ rule: string; reason: string }>;
}

export interface ClientResponse {
  node: string;
  client: string;
  requestId: number;
  result: ClientResult;
  time: number;
}

type Agenda =
  | { kind: 'deliver'; msg: Message; wire?: unknown }
  | { kind: 'deliver_unmodelled'; msg: UnmodelledMessage }
  | { kind: 'tick'; node: string; generation: number }
  | { kind: 'timer'; node: string; timer: TimerName; generation: number }
  | { kind: 'call'; run: () => void };

interface Member {
  id: string;
  node: RaftNode | null;
  /** What survives a crash; kept while the node is down. */
  persisted: PersistentState | null;
  random: Random;
  seq: number;
  timers: Record<TimerName, number>;
  /** Generation of the tick clock of a tick-driven node (bumped by a crash). */
  ticks: number;
  last: StateSummary | null;
}

export class Cluster {
  readonly ids: readonly string[];
  time = 0;
  private readonly queue = new EventQueue<Agenda>();
  private readonly members = new Map<string, Member>();
  private partition: Partition | null = null;
  private networkSeq = 0;
  private messageCounter = 0;
  private readonly createNode: NodeFactory;
  private readonly responseListeners: Array<(r: ClientResponse) => void> = [];
  /**
   * While false, election timers that come due are held back instead of firing: elections
   * then happen only when a driver fires them (fuzzing schedules shrink better that way).
   */
  private naturalElections = true;
  private readonly heldElections = new Map<string, number>();
  /** Called after every node step (for checks that run as the cluster goes). */
  readonly stepListeners: Array<(node: string) => void> = [];
  lines = 0;
  /** Messages the trace format does not model, by the implementation's name for them. */
  readonly notModelled: Record<string, number> = {};

  constructor(private readonly options: ClusterOptions) {
    this.ids = options.ids;
    this.createNode = options.createNode ?? createReferenceNode;
    const skipRules = options.skipRules ?? this.createNode.profile?.skipRules ?? [];
    const header: TraceLine = {
      kind: 'header',
      format: 'raftcheck-trace',
      version: 1,
      nodes: [...options.ids],
      producer: { name: 'raftcheck-simulator', version: VERSION },
      params: {
        electionTimeoutMin: options.node.electionTimeout.min,
        electionTimeoutMax: options.node.electionTimeout.max,
        heartbeatInterval: options.node.heartbeatInterval,
        ...(options.node.features?.includes('snapshot') ? { snapshotEvery: options.node.snapshotEvery ?? 0 } : {}),
        // Feature `membership`: the initial configuration, which every node starts in.
        ...(options.node.features?.includes('membership')
          ? { voters: [...(options.node.configuration?.voters ?? options.ids)], learners: [...(options.node.configuration?.learners ?? [])] }
          : {}),
      },
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      // A trace without features stays a revision-0 trace, byte for byte.
      // The revision its features need (src/raft/features/index.ts): a 1.1 trace stays one.
      ...(options.node.features?.length ? { minor: featuresRevision(canonicalFeatures(options.node.features)), features: canonicalFeatures(options.node.features) } : {}),
      // What the run does not check, so that every reader of the trace judges it the same way.
      ...(skipRules.length ? { skipRules: skipRules.map((s) => ({ rule: s.rule, reason: s.reason })) } : {}),
      ...(options.meta ? { meta: options.meta } : {}),
    };
    this.write(header);
    for (const id of options.ids) {
      this.members.set(id, { id, node: null, persisted: null, random: options.random.fork(`node:${id}`), seq: 0, timers: { election: 0, heartbeat: 0, lease: 0, quorum: 0, transfer: 0 }, ticks: 0, last: null });
    }
  }

  /** The virtual time, for implementations that take `now` (external nodes are sent it with each request). */
  private readonly now = (): number => this.time;

  private write(line: TraceLine): void {
    this.lines++;
    this.options.sink.write(line);
  }

  private member(id: string): Member {
    const m = this.members.get(id);
    if (!m) throw new Error(`unknown node ${id}`);
    return m;
  }

  private config(id: string): NodeConfig {
    return { ...this.options.node, id, members: this.ids };
  }

  /** Starts every node (fresh, empty logs). */
  start(): void {
    for (const id of this.ids) {
      const m = this.member(id);
      m.node = this.createNode(this.config(id), { random: m.random, now: this.now });
      this.process(m, m.node.start());
      this.startTicks(m);
    }
  }

  /** Gives a tick-driven node its first tick; each tick schedules the next. */
  private startTicks(m: Member): void {
    const tickMs = m.node?.tickMs;
    if (tickMs === undefined) return;
    if (!Number.isSafeInteger(tickMs) || tickMs < 1) throw new Error(`node ${m.id}: tickMs must be a positive integer, got ${tickMs}`);
    this.queue.push(this.time + tickMs, { kind: 'tick', node: m.id, generation: m.ticks });
  }

  /** Releases every live node's resources (external processes) at the end of a run. */
  dispose(): void {
    for (const m of this.members.values()) {
      const node = m.node;
      m.node = null;
      node?.dispose?.();
    }
  }

  onClientResponse(listener: (r: ClientResponse) => void): void {
    this.responseListeners.push(listener);
  }

  isUp(id: string): boolean {
    return this.member(id).node !== null;
  }

  views(): NodeView[] {
    return this.ids.flatMap((id) => {
      const node = this.member(id).node;
      return node ? [node.view()] : [];
    });
  }

  view(id: string): NodeView | null {
    return this.member(id).node?.view() ?? null;
  }

  /** Runs `run` at virtual time `at` (drivers schedule faults and client requests with it). */
  at(at: number, run: () => void): void {
    this.queue.push(Math.max(at, this.time), { kind: 'call', run });
  }

  /** Processes the agenda up to and including time `until`, or until `stop` says so; returns the number of agenda items run. */
  runUntil(until: number, stop?: () => boolean): number {
    let steps = 0;
    while (this.queue.peekTime() <= until && !stop?.()) {
      const next = this.queue.pop()!;
      this.time = next.at;
      this.dispatch(next.item);
      steps++;
    }
    this.time = Math.max(this.time, until);
    return steps;
  }

  /** Processes one agenda item, if any; returns false when the agenda is empty. */
  stepOnce(): boolean {
    const next = this.queue.pop();
    if (!next) return false;
    this.time = next.at;
    this.dispatch(next.item);
    return true;
  }

  private dispatch(item: Agenda): void {
    switch (item.kind) {
      case 'call':
        item.run();
        return;
      case 'timer': {
        const m = this.member(item.node);
        if (!m.node || m.timers[item.timer] !== item.generation) return; // re-armed, cancelled or crashed
        if (item.timer === 'election' && !this.naturalElections) {
          this.heldElections.set(m.id, item.generation);
          return;
        }
        m.timers[item.timer]++; // fired: it must be re-armed to fire again
        this.input(m, { type: 'timeout', timer: item.timer }, { kind: 'timeout', timer: item.timer });
        return;
      }
      case 'deliver': {
        const { msg } = item;
        const m = this.member(msg.to);
        if (this.partition?.blocks(msg.from, msg.to)) return this.writeNetwork({ kind: 'drop', msgId: msg.id, reason: 'partition' });
        if (!m.node) return this.writeNetwork({ kind: 'drop', msgId: msg.id, reason: 'crash' });
        this.input(m, item.wire === undefined ? { type: 'receive', msg } : { type: 'receive', msg, wire: item.wire }, { kind: 'receive', msg });
        return;
      }
      case 'deliver_unmodelled': {
        // No trace event names an unmodelled message, so its losses are not logged either.
        const { msg } = item;
        const m = this.member(msg.to);
        if (this.partition?.blocks(msg.from, msg.to) || !m.node) return;
        this.writeNode(m, unmodelledNote('receive', msg), null);
        this.process(m, m.node.step({ type: 'receive_unmodelled', msg }));
        return;
      }
      case 'tick': {
        const m = this.member(item.node);
        if (!m.node || m.ticks !== item.generation) return; // crashed (and maybe restarted) since
        this.process(m, m.node.step({ type: 'tick' }));
        if (m.node) this.queue.push(this.time + m.node.tickMs!, item);
        return;
      }
    }
  }

  /** A client request arriving at a node; ignored (never logged) if the node is down. */
  clientRequest(node: string, client: string, requestId: number, op: Operation): boolean {
    const m = this.member(node);
    if (!m.node) return false;
    this.input(m, { type: 'client_request', client, requestId, op }, { kind: 'client_request', client, requestId, op });
    return true;
  }

  /** Feature `transfer`: asks a node to hand leadership to `target` (ignored, not logged, if the node is down). */
  transferLeadership(node: string, target: string): boolean {
    const m = this.member(node);
    if (!m.node) return false;
    this.input(m, { type: 'transfer', target }, { kind: 'transfer', target });
    return true;
  }

  /** Feature `membership`: asks a node to change the configuration by one server (ignored, not logged, if the node is down). */
  reconfigure(node: string, change: ConfigChange, server: string): boolean {
    const m = this.member(node);
    if (!m.node) return false;
    this.input(m, { type: 'reconfigure', change, server }, { kind: 'reconfigure', change, server });
    return true;
  }

  /** Holds back (false) or lets fire (true) the election timers that come due. */
  setNaturalElections(on: boolean): void {
    this.naturalElections = on;
    if (!on) return;
    // Timers held back while elections were driven fire now, if nothing re-armed them since.
    for (const [id, generation] of this.heldElections) {
      this.queue.push(this.time, { kind: 'timer', node: id, timer: 'election', generation });
    }
    this.heldElections.clear();
  }

  /** Fires a node's timer now, whatever was armed (drivers force split votes and the like with it). */
  fireTimer(id: string, timer: TimerName): void {
    const m = this.member(id);
    if (!m.node) return;
    m.timers[timer]++; // the armed one is superseded
    this.input(m, { type: 'timeout', timer }, { kind: 'timeout', timer });
  }

  crash(id: string): void {
    const m = this.member(id);
    if (!m.node) return;
    const node = m.node;
    const last = node.beforeCrash?.();
    if (last?.length) this.process(m, last);
    m.node = null;
    m.persisted = node.crash ? node.crash() : node.persistent();
    for (const timer of TIMER_NAMES) m.timers[timer]++;
    m.ticks++;
    this.writeNode(m, { kind: 'crash' }, null);
  }

  /**
   * Restarts a crashed node from what it persisted, or from `recovered` when given: a test of a
   * node that lost writes it had not made durable yet (entries appended and not acknowledged).
   */
  restart(id: string, recovered?: PersistentState): void {
    const m = this.member(id);
    if (m.node) return;
    const persisted = recovered ?? m.persisted ?? { term: 0, votedFor: null, log: [] };
    m.node = this.createNode(this.config(id), { random: m.random, persisted, now: this.now });
    const v = m.node.view();
    m.last = v; // the restarted node's state, until its first effect
    this.writeNode(m, { kind: 'restart', persisted }, v);
    this.process(m, m.node.start());
    this.startTicks(m);
  }

  /** Cuts links: nodes in different groups cannot talk (symmetric). Replaces any earlier partition. */
  partitionGroups(groups: string[][]): void {
    this.partition = Partition.groups(groups);
    this.writeNetwork({ kind: 'partition', groups });
  }

  /** Cuts directed links (asymmetric partitions). Replaces any earlier partition. */
  partitionLinks(blocked: Array<{ from: string; to: string }>): void {
    this.partition = Partition.links(blocked);
    this.writeNetwork({ kind: 'partition', blocked });
  }

  heal(): void {
    this.partition = null;
    this.writeNetwork({ kind: 'heal' });
  }

  get partitioned(): boolean {
    return this.partition !== null;
  }

  private input(m: Member, input: NodeInput, line: Record<string, unknown>): void {
    this.writeNode(m, line, m.last);
    this.process(m, m.node!.step(input));
  }

  /** Turns a step's records into trace lines, timers and messages. */
  private process(m: Member, records: StepRecord[]): void {
    for (const r of records) this.apply(m, r.effect, r.state);
    for (const l of this.stepListeners) l(m.id);
  }

  private apply(m: Member, effect: Effect, state: StateSummary): void {
    m.last = state;
    switch (effect.kind) {
      case 'set_timer':
        this.queue.push(this.time + effect.after, { kind: 'timer', node: m.id, timer: effect.timer, generation: ++m.timers[effect.timer] });
        return;
      case 'cancel_timer':
        m.timers[effect.timer]++;
        return;
      case 'send': {
        const msg = Object.assign({ id: `${m.id}-${++this.messageCounter}` }, effect.msg) as Message;
        this.writeNode(m, { kind: 'send', msg }, state);
        this.transmit(msg, effect.wire);
        return;
      }
      case 'send_unmodelled': {
        const msg: UnmodelledMessage = { ...effect.msg, from: m.id };
        this.notModelled[msg.name] = (this.notModelled[msg.name] ?? 0) + 1;
        this.writeNode(m, unmodelledNote('send', msg), null);
        this.transmitUnmodelled(msg);
        return;
      }
      case 'client_response': {
        this.writeNode(m, effect, state);
        const response = { node: m.id, client: effect.client, requestId: effect.requestId, result: effect.result, time: this.time };
        for (const l of this.responseListeners) l(response);
        return;
      }
      default:
        this.writeNode(m, effect, state);
    }
  }

  private transmit(msg: Message, wire: unknown): void {
    const fate = this.options.network.fate(msg.from, msg.to, this.time);
    if (fate.kind === 'lose') return this.writeNetwork({ kind: 'drop', msgId: msg.id, reason: 'loss' });
    fate.delays.forEach((delay, i) => {
      if (i > 0) this.writeNetwork({ kind: 'duplicate', msgId: msg.id });
      this.queue.push(this.time + delay, wire === undefined ? { kind: 'deliver', msg } : { kind: 'deliver', msg, wire });
    });
  }

  /** The same network fates as any message (so schedules stay comparable), nothing logged. */
  private transmitUnmodelled(msg: UnmodelledMessage): void {
    const fate = this.options.network.fate(msg.from, msg.to, this.time);
    if (fate.kind === 'lose') return;
    for (const delay of fate.delays) this.queue.push(this.time + delay, { kind: 'deliver_unmodelled', msg });
  }

  /**
   * The line `{ kind, node, seq, time, ...the other fields, state }`, built key by key: object
   * rest and spread cost several times more, and this runs for every line of every run.
   */
  private writeNode(m: Member, fields: object, state: StateSummary | NodeView | null): void {
    const from = fields as Record<string, unknown>;
    const line: Record<string, unknown> = { kind: from.kind, node: m.id, seq: m.seq++, time: this.time };
    for (const key in from) if (key !== 'kind') line[key] = from[key];
    if (state) line.state = toNodeState(state);
    this.write(line as TraceLine);
  }

  private writeNetwork(fields: Record<string, unknown>): void {
    const { kind, ...rest } = fields;
    this.write({ kind, seq: this.networkSeq++, time: this.time, ...rest } as TraceLine);
  }
}

function unmodelledNote(direction: 'send' | 'receive', msg: UnmodelledMessage): Record<string, unknown> {
  const term = msg.term !== undefined ? ` (term ${msg.term})` : '';
  return { kind: 'note', text: `not modelled: ${direction} ${msg.name} ${msg.from}→${msg.to}${term}`, data: { notModelled: msg.name } };
}

export function toNodeState(s: StateSummary): NodeState {
  const state: NodeState = {
    role: s.role, term: s.term, votedFor: s.votedFor, commitIndex: s.commitIndex, lastApplied: s.lastApplied,
    lastLogIndex: s.lastLogIndex, lastLogTerm: s.lastLogTerm, value: s.value,
  };
  // Feature `snapshot`: only a node with a snapshot logs where it is.
  if (s.snapshotIndex !== undefined) {
    state.snapshotIndex = s.snapshotIndex;
    state.snapshotTerm = s.snapshotTerm ?? 0;
  }
  return state;
}
