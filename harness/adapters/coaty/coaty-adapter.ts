/**
 * @coaty/consensus.raft under test: its etcd-raft core (a `RawNode` over a `MemoryStorage`)
 * behind the adapter interface, configured as coaty configures it (pre-vote, check-quorum,
 * electionTick 10, heartbeatTick 1), driven by ticks in virtual time. `coaty:plain` turns
 * pre-vote and check-quorum off (etcd's defaults), which exercises other code paths.
 *
 * What the harness sees (docs/COATY.md):
 * - MsgVote, MsgVoteResp, MsgApp, MsgAppResp are Figure 2's RequestVote(Response) and
 *   AppendEntries(Response), logged as such; the etcd message travels with them (`wire`) and
 *   is what the receiver gets, so nothing is lost in translation.
 * - MsgHeartbeat(Resp) are feature heartbeat's Heartbeat(Response) (trace revision 1.4), as
 *   in the etcd driver and importer: coaty's `sendHeartbeat` carries min(match, committed),
 *   etcd's commit. MsgPreVote(Resp) are feature prevote's PreVote(Response) (coaty only).
 *   Any other kind is carried but not modelled: logged as a note and counted.
 * - The cluster membership is the storage's initial configuration (no bootstrap entries),
 *   so logs hold only the leaders' empty entries (`noop`) and client commands.
 * - A restart gets term, vote and log back; commitIndex restarts at 0 (etcd would persist it,
 *   Figure 2 does not; etcd accepts a HardState with commit 0).
 * - Client requests: only a leader proposes (proposal forwarding is off); a follower answers
 *   not_leader with the leader it knows. The proposing leader answers when it applies the entry.
 */
import type { Random } from '../../../src/random.js';
import { applyCommand, INITIAL_VALUE } from '../../../src/raft/register.js';
import type { ClientResult, Command, Entry, MessageBody, NodeId, PersistentState, RegisterState, Role, TimerName } from '../../../src/raft/types.js';
import type { AdapterDefinition, AdapterInit, ClientReply, ClientRequest, Delivery, NodeUnderTest, Observation, Outgoing, Output } from '../adapter.js';
import type { CoatyCore, EtcdEntry, EtcdLogger, EtcdMessage, EtcdRawNode, EtcdReady, EtcdStorage } from './core-types.js';
import { loadCoatyCore, type LoadedCore } from './load-core.js';
import { isClientCommand } from '../../../src/trace/schema.js';
import type { ImplementationProfile } from '../../simulator/cluster.js';

/** coaty's defaults (non-ported/raft-controller.js): heartbeat every tick, elections after 10-19 ticks. */
const ELECTION_TICK = 10;
const HEARTBEAT_TICK = 1;
const MAX_INFLIGHT = 256;

/** Panics and fatal errors become exceptions (a verdict), never a process.exit. */
const LOGGER: EtcdLogger = {
  infof() {}, warningf() {}, errorf() {}, debugf() {},
  fatalf: (format, ...v) => {
    throw new Error(`coaty fatal: ${format} ${JSON.stringify(v)}`);
  },
  panicf: (format, ...v) => {
    throw new Error(`coaty panic: ${format} ${JSON.stringify(v)}`);
  },
};

/** A plain JSON copy of an etcd message: what travels on the simulated network. */
function wireOf(m: EtcdMessage): EtcdMessage {
  return {
    type: m.type, to: m.to, from: m.from, term: m.term, logTerm: m.logTerm, index: m.index, commit: m.commit,
    reject: m.reject, rejectHint: m.rejectHint, context: m.context ?? null,
    entries: m.entries.map((e) => ({ term: e.term, index: e.index, type: e.type, data: e.data ?? null })),
  };
}

function isCommand(data: unknown): data is Command {
  return typeof data === 'object' && data !== null && typeof (data as { type?: unknown }).type === 'string';
}

function toEntry(e: EtcdEntry): Entry {
  return { term: e.term, command: isCommand(e.data) ? e.data : { type: 'noop' } };
}

class CoatyNode implements NodeUnderTest {
  readonly tickMs: number;
  private readonly core: CoatyCore;
  private readonly slot: LoadedCore['random'];
  private readonly random: Random;
  private readonly storage: EtcdStorage;
  private readonly raw: EtcdRawNode;
  private readonly type: (name: string) => number;
  private log: readonly Entry[];
  private lastApplied = 0;
  private value: RegisterState = INITIAL_VALUE;
  /** Client requests this node proposed, by client#requestId, answered when applied. */
  private readonly pending = new Set<string>();
  private readonly id: NodeId;
  /** What the messages of the delivery being handled answer: a stale-term append or heartbeat. */
  private answering: { kind: 'stale' } | null = null;

  constructor(loaded: LoadedCore, init: AdapterInit, private readonly options: CoatyOptions) {
    this.core = loaded.core;
    this.slot = loaded.random;
    this.random = init.random;
    this.id = init.id;
    // With check-quorum, a follower's lease is ELECTION_TICK ticks from when it last heard from
    // its leader, which in time is more than ELECTION_TICK - 1 ticks: that must be at least the
    // run's minimum election timeout, the lease the trace declares (17 ms ticks for 150 ms).
    this.tickMs = options.checkQuorum
      ? Math.max(1, Math.ceil(init.config.electionTimeout.min / (ELECTION_TICK - 1)))
      : Math.max(1, Math.round(init.config.electionTimeout.min / ELECTION_TICK));
    this.type = (name) => this.core.MessageType[name] as number;
    const { Entry: EtcdEntryClass, HardState, MemoryStorage, RaftConfig, Snapshot } = this.core;
    const persisted = init.persisted ?? { term: 0, votedFor: null, log: [] };
    this.log = persisted.log.map((e) => ({ ...e }));
    this.storage = new MemoryStorage({
      hardState: new HardState({ term: persisted.term, vote: persisted.votedFor ?? '', commit: 0 }),
      snapshot: new Snapshot({ metadata: { confState: { voters: [...init.members] } } }),
      ents: [new EtcdEntryClass(), ...persisted.log.map((e, i) => new EtcdEntryClass({ term: e.term, index: i + 1, data: e.command.type === 'noop' ? null : e.command }))],
    });
    const batch = init.config.maxEntriesPerMessage;
    this.core.setLogger(LOGGER);
    const config = new RaftConfig({
      id: init.id, electionTick: ELECTION_TICK, heartbeatTick: HEARTBEAT_TICK, storage: this.storage, applied: 0,
      // etcd limits messages by bytes: one byte means one entry per message; otherwise about `batch` register commands.
      maxSizePerMsg: batch <= 1 ? 1 : batch * 64, maxInflightMsgs: MAX_INFLIGHT,
      checkQuorum: options.checkQuorum, preVote: options.preVote, disableProposalForwarding: true, logger: LOGGER,
    });
    this.raw = this.call(() => this.core.RawNode.NewRawNode(config));
  }

  /** Runs `f` with Math.random inside the core drawing from this node's generator. */
  private call<T>(f: () => T): T {
    const previous = this.slot.current;
    this.slot.current = this.random;
    try {
      return f();
    } finally {
      this.slot.current = previous;
    }
  }

  /** Hands every Ready over: persist, send, apply, advance (etcd's order). */
  private drain(extra: Partial<Output> = {}): Output {
    const messages: Outgoing[] = [];
    const replies: ClientReply[] = [...(extra.replies ?? [])];
    while (this.raw.hasReady()) {
      const rd: EtcdReady = this.raw.ready();
      if (!rd.hardState.isEmptyHardState()) this.storage.SetHardState(rd.hardState);
      if (rd.entries.length > 0) {
        this.storage.Append(rd.entries);
        const first = rd.entries[0]!.index;
        this.log = [...this.log.slice(0, first - 1), ...rd.entries.map(toEntry)];
      }
      for (const m of rd.messages) messages.push(this.outgoing(m));
      for (const e of rd.committedEntries) this.apply(e, replies);
      this.raw.advance(rd);
    }
    return { ...extra, messages, replies };
  }

  private apply(e: EtcdEntry, replies: ClientReply[]): void {
    if (e.index !== this.lastApplied + 1) throw new Error(`node ${this.id}: coaty handed entry ${e.index} to apply after ${this.lastApplied}`);
    this.lastApplied = e.index;
    const command = toEntry(e).command;
    const { value, result } = applyCommand(this.value, command);
    this.value = value;
    if (!isClientCommand(command) || command.client === undefined || command.requestId === undefined) return;
    const key = `${command.client}#${command.requestId}`;
    if (!this.pending.delete(key)) return;
    const answer: ClientResult = command.type === 'get' ? { status: 'ok', value } : result === 'cas_failed' ? { status: 'cas_failed', value } : { status: 'ok' };
    replies.push({ client: command.client, requestId: command.requestId, result: answer });
  }

  /**
   * etcd's messages in trace form (with the etcd message as `wire`); the rest unmodelled.
   * - MsgVote(Resp), MsgApp(Resp): Figure 2's RequestVote(Response), AppendEntries(Response).
   * - MsgPreVote(Resp): PreVote(Response) of feature prevote (coaty only: coaty:plain sends none).
   * - MsgHeartbeat: feature heartbeat's Heartbeat, `commit` = the message's commit (coaty's
   *   `sendHeartbeat`: min(match, committed), which the checker holds it to).
   *   MsgHeartbeatResp: HeartbeatResponse.
   * - The MsgAppResp a follower sends to a stale-term MsgApp or MsgHeartbeat (with pre-vote or
   *   check-quorum on, so that the old leader steps down) carries reject false and index 0: it
   *   is the refusal of a stale request, an AppendEntriesResponse with success false.
   */
  private outgoing(m: EtcdMessage): Outgoing {
    const wire = wireOf(m);
    const name = String(this.core.MessageType[m.type]);
    const base = { from: m.from, to: m.to, term: m.term };
    const type = this.core.MessageType[m.type];
    let msg: MessageBody | null = null;
    if (m.to !== m.from) {
      if (type === 'MsgVote') msg = { ...base, type: 'RequestVote', candidateId: m.from, lastLogIndex: m.index, lastLogTerm: m.logTerm };
      else if (type === 'MsgVoteResp') msg = { ...base, type: 'RequestVoteResponse', voteGranted: !m.reject };
      else if (type === 'MsgPreVote') msg = { ...base, type: 'PreVote', candidateId: m.from, lastLogIndex: m.index, lastLogTerm: m.logTerm };
      else if (type === 'MsgPreVoteResp') msg = { ...base, type: 'PreVoteResponse', voteGranted: !m.reject };
      else if (type === 'MsgApp') {
        msg = { ...base, type: 'AppendEntries', leaderId: m.from, prevLogIndex: m.index, prevLogTerm: m.logTerm, entries: m.entries.map(toEntry), leaderCommit: m.commit };
      } else if (type === 'MsgHeartbeat') {
        msg = { ...base, type: 'Heartbeat', commit: m.commit };
      } else if (type === 'MsgHeartbeatResp') {
        msg = { ...base, type: 'HeartbeatResponse' };
      } else if (type === 'MsgAppResp') {
        if (this.answering?.kind === 'stale') msg = { ...base, type: 'AppendEntriesResponse', success: false };
        else msg = m.reject ? { ...base, type: 'AppendEntriesResponse', success: false, conflictIndex: m.rejectHint + 1 } : { ...base, type: 'AppendEntriesResponse', success: true, matchIndex: m.index };
      }
    }
    return msg ? { msg, wire } : { unmodelled: { to: m.to, name: m.to === m.from ? `${name} to itself` : name, term: m.term, wire } };
  }

  /** With check-quorum on, a fresh or restarted node holds no lease: logged, so the checker knows it logs its leases (see `tick`). */
  start(): Output {
    return this.call(() => this.drain(this.options.checkQuorum ? { fired: ['lease'] } : {}));
  }

  deliver(d: Delivery): Output {
    const wire = 'msg' in d ? d.wire : d.unmodelled.wire;
    if (typeof wire !== 'object' || wire === null) throw new Error(`node ${this.id}: a message without its etcd form (only coaty nodes talk to coaty nodes)`);
    const m = wire as EtcdMessage;
    const type = this.core.MessageType[m.type];
    const append = type === 'MsgApp' || type === 'MsgHeartbeat';
    // What the answers produced by this delivery answer (see `outgoing`).
    this.answering = append && m.term < this.raw.raft.term ? { kind: 'stale' } : null;
    try {
      return this.call(() => {
        this.raw.step(new this.core.Message(m));
        return this.drain();
      });
    } finally {
      this.answering = null;
    }
  }

  timeout(timer: TimerName): Output {
    // Forced elections (the schedule's `timeout` action); heartbeats are tick-driven.
    if (timer === 'heartbeat') return {};
    return this.call(() => {
      this.raw.campaign();
      return this.drain(); // the harness logged this timeout as its input
    });
  }

  /**
   * One tick; the timers it fired, in the order etcd handles them. Besides the election and
   * heartbeat timers, with check-quorum on: `lease`, when a follower that knows a leader
   * reaches electionTick ticks since it last heard from it (etcd's inLease ends), and
   * `quorum`, when a leader checks its quorum (every electionTick ticks). The node logs them,
   * so the checker follows its clock instead of firing them in the trace's time.
   */
  tick(): Output {
    return this.call(() => {
      const raft = this.raw.raft;
      const before = raft.state;
      const elapsed = raft.electionElapsed;
      const leader = before === this.core.StateType.StateLeader;
      const lease = this.options.checkQuorum && !leader && raft.lead !== '' && elapsed + 1 === ELECTION_TICK;
      const quorum = this.options.checkQuorum && leader && elapsed + 1 >= ELECTION_TICK;
      this.raw.tick();
      const campaigned = raft.msgs.some((m) => m.type === this.type('MsgVote') || m.type === this.type('MsgPreVote'))
        || (raft.state !== before && raft.state !== this.core.StateType.StateFollower);
      const beat = raft.msgs.some((m) => m.type === this.type('MsgHeartbeat'));
      const fired: TimerName[] = [...(lease ? ['lease' as const] : []), ...(quorum ? ['quorum' as const] : []), ...(campaigned ? ['election' as const] : []), ...(beat ? ['heartbeat' as const] : [])];
      return this.drain(fired.length ? { fired } : {});
    });
  }

  client(r: ClientRequest): Output {
    const notLeader = (): Output => ({ replies: [{ client: r.client, requestId: r.requestId, result: { status: 'not_leader', leaderHint: this.raw.raft.lead || null } }] });
    if (this.raw.raft.state !== this.core.StateType.StateLeader) return notLeader();
    return this.call(() => {
      const error = this.raw.propose({ ...r.op, client: r.client, requestId: r.requestId });
      if (error) return { ...notLeader(), ...this.drain() }; // dropped (e.g. a leadership transfer): not appended
      this.pending.add(`${r.client}#${r.requestId}`);
      return this.drain();
    });
  }

  observe(): Observation {
    const raft = this.raw.raft;
    const roles: Record<string, Role> = { StateLeader: 'leader', StateCandidate: 'candidate', StatePreCandidate: 'precandidate' };
    const role = roles[String(this.core.StateType[raft.state])] ?? 'follower';
    return { role, term: raft.term, votedFor: raft.vote || null, commitIndex: raft.raftLog.committed, log: this.log, lastApplied: this.lastApplied, value: this.value };
  }

  crash(): PersistentState {
    const hs = this.storage.hardState;
    return { term: hs.term, votedFor: hs.vote || null, log: this.log.map((e) => ({ ...e })) };
  }
}

/** Raft options coaty sets (both on, as in non-ported/raft-node.js); off gives etcd's defaults. */
export interface CoatyOptions {
  preVote: boolean;
  checkQuorum: boolean;
}

/** coaty's raft core with other options: `coaty:plain` runs it without pre-vote and check-quorum. */
export function coatyAdapterWith(options: CoatyOptions, name: string): AdapterDefinition {
  return { name, profile: profileOf(options), create: (init) => createCoatyNode(init, options) };
}

/**
 * Heartbeats, and the features its options turn on. Without pre-vote and check-quorum
 * (coaty:plain) it is checked under Figure 2 and heartbeats with etcd's hidden steps (spec/CONFORMANCE.md, 6-9; step 9, a vote refused because the
 * term's leader is known, is what kept its conformance skipped before).
 */
function profileOf(options: CoatyOptions): ImplementationProfile {
  return { features: ['heartbeat', ...(options.preVote ? ['prevote'] : []), ...(options.checkQuorum ? ['checkquorum'] : [])] };
}

function createCoatyNode(init: AdapterInit, options: CoatyOptions): NodeUnderTest {
  const loaded = loadCoatyCore();
  if ('error' in loaded) throw new Error(loaded.error);
  return new CoatyNode(loaded, init, options);
}

export const coatyAdapter: AdapterDefinition = coatyAdapterWith({ preVote: true, checkQuorum: true }, 'coaty');
