/**
 * Conformance of each node to the reference statechart (spec/CONFORMANCE.md).
 *
 * Every node of the trace gets a shadow: a reference node (src/raft) driven by the node's own
 * logged inputs (`receive`, `timeout`, `client_request`, `restart`). What the node logs after
 * an input must be what the reference does with it, within the freedom the protocol leaves:
 *
 * - state changes (`term`, `role`, `vote`, `append`, `truncate`) must be the reference's, in
 *   the reference's order per kind, with equal fields;
 * - `commit`, `apply` and `client_response` may come at other points than the reference's:
 *   later, or earlier within their step (Figure 2 says only that committed entries are
 *   applied), in the same order, never ahead of the reference after the same inputs and never
 *   beyond the node's log; the state logged with a commit or apply is the node's own at that
 *   point (`Shadow.now`), not the reference's where it committed;
 * - responses (`RequestVoteResponse`, `AppendEntriesResponse`) must be the reference's
 *   answer (granted or not, success or not, matchIndex); a reply to a stale-term request may
 *   be left out;
 * - requests (`RequestVote`, `AppendEntries`) may be sent at any time, to anyone, with any
 *   batch size, as long as the reference in its current state could send them: a candidate's
 *   RequestVote with its term and last log position, a leader's AppendEntries whose
 *   prevLogIndex/prevLogTerm and entries are a slice of its log and whose leaderCommit is at
 *   most its commitIndex;
 * - logged post-states must agree with the reference's (role, term, votedFor, last log index
 *   and term; commitIndex and lastApplied may lag).
 *
 * A node that logs no inputs cannot be driven and is left to the invariants. What a trace may
 * leave out (spec/TRACE_FORMAT.md) is read as unknown, never as wrong: a kind of state change a
 * node has not logged so far is held (`defer`) until it logs that kind; a crash cuts a step
 * short; a node whose inputs, recovered state or leader's log cannot be seen is left to the
 * invariants or held (`cannotFollow`); see spec/CONFORMANCE.md, "What a node may leave out".
 */
import { createRandom } from '../../../src/random.js';
import { createReferenceNode, type Engine, type LogView, type ReferenceRaftNode } from '../../../src/raft/node.js';
import type { TakenTransition } from '../../../src/raft/transitions.js';
import { DEFAULT_NODE_CONFIG, type Effect, type MessageBody, type RaftNode, type StateSummary, type StepRecord, type TimerName } from '../../../src/raft/types.js';
import type { Entry, Header, Message, NodeState, Operation, PersistentState, TraceEvent } from '../../../src/trace/schema.js';
import { commandKey, sameCommand, sameEntries, sameEntry } from '../entry-hash.js';
import type { Report, Violation } from '../violation.js';
import { FifoWindow } from '../../validate/fifo-window.js';
import { canonicalFeatures, type Feature } from '../../../src/raft/features/index.js';
import { IndexWindow } from './index-window.js';
import { article, describeDiffs, diffFields, insteadOf, responseFields, showEntry, type FieldDiff } from './message-explanation.js';
import { isClientCommand } from '../../../src/trace/schema.js';
import { isLogUpToDate } from '../../../src/raft/rules/election.js';

export const CONFORMANCE_RULES = [
  { id: 'conformance.unexpected', title: 'Only steps the reference allows', statement: 'After each input, a node logs only state changes and messages the reference statechart produces (or may produce) for that input in its current state.', paper: 'Figure 2; §5' },
  { id: 'conformance.missing', title: 'No step left out', statement: 'Every state change and every response the reference produces for an input is logged before the node handles its next input (commits, applies and client answers may come later; replies to stale-term requests may be omitted; a kind of state change the node never logs, a truncation, and what a crash cut short are not missing).', paper: 'Figure 2; §5' },
  { id: 'conformance.state', title: 'Logged state agrees with the reference', statement: "A logged post-state agrees with the reference's: role, term, votedFor, last log index and term; commitIndex and lastApplied never ahead of it.", paper: 'Figure 2 (state)' },
  { id: 'conformance.message', title: 'Requests the reference could send', statement: "A RequestVote or AppendEntries is one the reference could send in its current state: right term and role, a log position and entries that match its log, leaderCommit at most its commitIndex.", paper: 'Figure 2 (RPC arguments)' },
] as const;

/** Told of each statechart transition a shadow takes, with the trace line that drove it (hidden steps included). */
export type TransitionObserver = (node: string, line: number, transition: TakenTransition) => void;

const STATE_KINDS = new Set(['term', 'role', 'vote', 'append', 'truncate', 'install_snapshot', 'config']);
const INPUT_KINDS = new Set(['receive', 'timeout', 'client_request', 'transfer', 'reconfigure']);
/** Post-state fields that must equal the reference's, and those that may lag behind it. */
const EXACT_FIELDS = ['role', 'term', 'votedFor', 'lastLogIndex', 'lastLogTerm'] as const;
const LAGGING_FIELDS = ['commitIndex', 'lastApplied'] as const;

interface Expected {
  effect: Effect;
  state: StateSummary;
}

/** What the node's logged state changes (term, role, vote, append, truncate) decide. */
type NodeFacts = Pick<StateSummary, (typeof EXACT_FIELDS)[number]>;

const INITIAL_FACTS: NodeFacts = { role: 'follower', term: 0, votedFor: null, lastLogIndex: 0, lastLogTerm: 0 };

function factsOf(v: NodeFacts): NodeFacts {
  return { role: v.role, term: v.term, votedFor: v.votedFor, lastLogIndex: v.lastLogIndex, lastLogTerm: v.lastLogTerm };
}

interface Shadow {
  id: string;
  ref: ReferenceRaftNode | null;
  /** True once the node logged an input: from then on it is checked. */
  driven: boolean;
  /**
   * True once the node logged an input (a message received, a timeout, a client request) or a
   * message it sent: its producer logs what drives it (every message it receives).
   */
  logsMessages: boolean;
  /** True once the node logged an election timeout: its producer logs them. */
  logsElectionTimeouts: boolean;
  /**
   * Left to the invariants: a node that logged neither inputs nor messages did something its
   * shadow, driven by hidden steps alone, cannot explain (see `output`).
   */
  unchecked: boolean;
  /** Effects of the current step not yet matched, in order. */
  pending: Expected[];
  /**
   * The node's state as its own logged changes leave it: the reference's state before the
   * current step, then after each change of it the node has logged. A commit or apply may come
   * at any point of any later step, so it is compared with this, not with the reference's
   * state where the reference committed or applied.
   */
  now: NodeFacts;
  /** Highest commitIndex the reference reached (since the last restart): a node may lag, never lead. */
  refCommit: number;
  /** Reference applies not yet logged by the node, by index. */
  applies: IndexWindow<Expected>;
  /** Reference client answers not yet logged by the node, by client#requestId. */
  answers: Map<string, Expected>;
  /** Hidden steps used (a term adopted before the message that carried it was logged). */
  hidden: number;
  /**
   * The index of the snapshot it restarted from if that snapshot's term is above the node's
   * own (etcd's test bootstrap: entries of term 1 in a node of term 0, which no leader the node
   * knows of created), else 0. While its log ends there, an entry of its term in its log is not
   * one it created as leader, so it may still append its no-op (hidden step 6).
   */
  foreignSnapshot: number;
  /** The input that opened the current step. */
  stepLine: number;
  stepKind: string;
  /** The term of the request being answered in this step, if stale (its reply may be omitted). */
  staleRequest: boolean;
  /** The term of the vote or pre-vote request of this step (a refusal in another term may be omitted), or null. */
  voteRequestTerm: number | null;
  /** The features' timers (lease, quorum, transfer) the shadow has armed, with their deadlines in the trace's time. */
  featureTimers: Map<FeatureTimer, number>;
  /** The feature timers whose firings the node logs (it has logged one): the checker never fires those itself. */
  loggedTimers: Set<TimerName>;
  /**
   * An AppendEntries starting below the node's commitIndex, not yet shown to the shadow: the
   * node may handle it, or skip it and answer at its commitIndex (`deferAppend`).
   */
  /** Lines of pre-vote grants for the node's own term (answers to an earlier round) received since its last election timeout: named when it then becomes candidate unexplained. */
  staleGrants: Array<{ line: number; term: number; from: string }>;
  deferredAppend: { msg: Message & { type: 'AppendEntries' }; commitIndex: number; held: Array<{ e: TraceEvent; line: number }> } | null;
  /**
   * A RequestVote of the current term to a follower that knows the term's leader and has not
   * voted, not yet shown to the shadow: the node may grant it, or refuse it (hidden step 9,
   * `deferVoteRequest`).
   */
  deferredVote: (Message & { type: 'RequestVote' }) | null;
  /**
   * The kinds of state change the node has logged (term, role, vote, append, truncate). A
   * producer logs every change of a kind or none (spec/TRACE_FORMAT.md): until a node logs a
   * kind, the changes of that kind it did not log are held in `deferred`, and reported only if
   * it logs that kind later.
   */
  logsKinds: Set<string>;
  deferred: Map<string, Violation[]>;
  /** True once the node logged a client request: its producer logs them (an append without one is not a hidden one). */
  logsClientRequests: boolean;
  /** True once the shadow has been leader (whose log grows by client requests; see `cannotFollow`). */
  led: boolean;
}

type FeatureTimer = 'lease' | 'quorum' | 'transfer';
const FEATURE_TIMERS: ReadonlySet<string> = new Set<FeatureTimer>(['lease', 'quorum', 'transfer']);

/** Key of what is held while a leader's log may have grown unseen (see Conformance.logUnseen). */
const LOG_SEEN = 'log seen';

/** Most elections one RequestVote can stand for (a node that logs neither its terms nor its timeouts); past it the node is left to the invariants. */
const MAX_HIDDEN_ELECTIONS = 64;

/** Changes held per kind while a node has not logged that kind (only the first few can be reported). */
const MAX_DEFERRED = 8;

/**
 * The kinds of state change that decide each exact state field: a new term clears the vote;
 * a truncation is followed by an append at its index, so appends decide the log's end.
 */
const KINDS_OF_FIELD: Record<(typeof EXACT_FIELDS)[number], readonly string[]> = { role: ['role'], term: ['term'], votedFor: ['vote', 'term'], lastLogIndex: ['append'], lastLogTerm: ['append'] };

function effectKey(e: Effect): string {
  switch (e.kind) {
    case 'term':
      return `term ${e.term}`;
    case 'role':
      return `role ${e.role}`;
    case 'vote':
      return `vote ${e.votedFor}`;
    case 'truncate':
      return `truncate from ${e.fromIndex}`;
    case 'append':
      return `append at ${e.index}: ${e.entries.map((x) => `${x.term}:${commandKey(x.command)}`).join(', ')}`;
    case 'commit':
      return `commit ${e.commitIndex}`;
    case 'apply':
      return `apply ${e.index}: ${commandKey(e.command)} → ${JSON.stringify(e.value)}`;
    case 'client_response':
      return `client_response ${e.client}#${e.requestId}: ${JSON.stringify(e.result)}`;
    case 'send':
      return `send ${e.msg.type} to ${e.msg.to}`;
    case 'install_snapshot':
      return `install_snapshot through ${e.index} (term ${e.term}) → ${JSON.stringify(e.value)}, log ${e.logKept ? 'kept' : 'discarded'}`;
    case 'config':
      return `config of entry ${e.index}: voters {${e.voters.join(',')}}, learners {${e.learners.join(',')}}`;
    default:
      return e.kind;
  }
}

/** The observed event as an effect (for comparison with the reference's). */
function observedKey(e: TraceEvent): string | null {
  switch (e.kind) {
    case 'term':
    case 'role':
    case 'vote':
    case 'truncate':
    case 'append':
    case 'commit':
    case 'client_response':
    case 'install_snapshot':
    case 'config':
      return effectKey(e as unknown as Effect);
    case 'apply':
      // value/result are optional in the trace: compare what is logged.
      return `apply ${e.index}: ${commandKey(e.command)}${e.value !== undefined ? ` → ${JSON.stringify(e.value)}` : ''}`;
    default:
      return null;
  }
}

function expectedApplyKey(x: Expected, observed: Extract<TraceEvent, { kind: 'apply' }>): string {
  const e = x.effect as Extract<Effect, { kind: 'apply' }>;
  return `apply ${e.index}: ${commandKey(e.command)}${observed.value !== undefined ? ` → ${JSON.stringify(e.value)}` : ''}`;
}

const RESPONSES = new Set(['RequestVoteResponse', 'AppendEntriesResponse', 'PreVoteResponse', 'InstallSnapshotResponse', 'HeartbeatResponse']);
/** Requests: the reference decides whether it could send one now, not when (retransmission and timing are free). */
const REQUESTS = new Set(['RequestVote', 'AppendEntries', 'PreVote', 'TimeoutNow', 'InstallSnapshot', 'Heartbeat']);

function responseMatches(expected: MessageBody, seen: Message): boolean {
  if (expected.type !== seen.type || expected.to !== seen.to || expected.term !== seen.term) return false;
  if (expected.type === 'RequestVoteResponse' && seen.type === 'RequestVoteResponse') return expected.voteGranted === seen.voteGranted;
  if (expected.type === 'PreVoteResponse' && seen.type === 'PreVoteResponse') return expected.voteGranted === seen.voteGranted;
  if (expected.type === 'HeartbeatResponse') return true;
  if (expected.type === 'InstallSnapshotResponse' && seen.type === 'InstallSnapshotResponse') return expected.matchIndex === seen.matchIndex;
  if (expected.type === 'AppendEntriesResponse' && seen.type === 'AppendEntriesResponse') {
    return expected.success === seen.success && (!seen.success || seen.matchIndex === undefined || seen.matchIndex === expected.matchIndex);
  }
  return false;
}

/**
 * A logged state change equals the reference's: what `effectKey` equality means, compared
 * field by field (no strings built on the hot path; the keys are built for messages only).
 */
function sameStateChange(x: Effect, e: TraceEvent): boolean {
  switch (e.kind) {
    case 'term':
      return x.kind === 'term' && x.term === e.term;
    case 'role':
      return x.kind === 'role' && x.role === e.role;
    case 'vote':
      return x.kind === 'vote' && x.votedFor === e.votedFor;
    case 'truncate':
      return x.kind === 'truncate' && x.fromIndex === e.fromIndex;
    case 'append':
      return x.kind === 'append' && x.index === e.index && sameEntries(x.entries, e.entries);
    case 'install_snapshot':
      return x.kind === 'install_snapshot' && x.index === e.index && x.term === e.term && x.value === e.value && x.logKept === e.logKept && JSON.stringify(x.config) === JSON.stringify(e.config);
    case 'config':
      return x.kind === 'config' && x.index === e.index && x.voters.join(',') === e.voters.join(',') && x.learners.join(',') === e.learners.join(',');
    default:
      return false;
  }
}

/** The reference's apply of that index matches the logged one (`expectedApplyKey` equality). */
function sameApply(x: Expected, observed: Extract<TraceEvent, { kind: 'apply' }>): boolean {
  const e = x.effect as Extract<Effect, { kind: 'apply' }>;
  return e.index === observed.index && sameCommand(e.command, observed.command) && (observed.value === undefined || e.value === observed.value);
}

/** Index of the first pending effect of that kind (-1 if none). */
function pendingOfKind(pending: readonly Expected[], kind: string): number {
  for (let i = 0; i < pending.length; i++) if (pending[i]!.effect.kind === kind) return i;
  return -1;
}

/** The position of the first entry that is not the log's own right after `prevLogIndex`, or -1 (compared in place, not copied). */
function firstForeignEntry(log: LogView, prevLogIndex: number, entries: readonly Entry[]): number {
  for (let k = 0; k < entries.length; k++) {
    const own = log.entry(prevLogIndex + 1 + k);
    if (!own || !sameEntry(own, entries[k]!)) return k;
  }
  return -1;
}

/** The first pending message the node has not sent yet that `which` picks. */
/**
 * Whether the reference sent a message of this type to the same peer in this step, as leader of
 * `term`: a leader that steps down at the end of a step without a new term (feature
 * `membership`: its removal committed) sent that step's requests as leader.
 */
function sentAsLeaderThisStep(shadow: Shadow, m: Message, term: number): boolean {
  return shadow.pending.some((x) => x.effect.kind === 'send' && x.effect.msg.type === m.type && x.effect.msg.to === m.to && x.state.role === 'leader' && x.state.term === term);
}

function pendingSend(pending: readonly Expected[], which: (m: MessageBody) => boolean): MessageBody | undefined {
  for (const x of pending) if (x.effect.kind === 'send' && which(x.effect.msg)) return x.effect.msg;
  return undefined;
}

function pendingSends(pending: readonly Expected[], which: (m: MessageBody) => boolean): MessageBody[] {
  return pending.flatMap((x) => (x.effect.kind === 'send' && which(x.effect.msg) ? [x.effect.msg] : []));
}

/** A request the reference could not send: a reason for the whole message, or the fields that differ. */
type RequestProblem = ({ why: string; expected: string } | { diffs: FieldDiff[]; expected: string }) & {
  /** The problem is about the node's log (not its role or term): see Conformance.cannotFollow. */
  aboutLog?: boolean;
};

export class Conformance {
  private readonly shadows = new Map<string, Shadow>();
  private readonly members: readonly string[];
  private readonly config;
  /** The line being handled (transitions are reported against it). */
  private line = 0;
  /** The trace time of the event being handled (feature timers' deadlines are in it). */
  private time = 0;
  /** True once any node logged a client request: the trace logs them all (spec/TRACE_FORMAT.md). */
  private clientRequestsLogged = false;
  /** matchIndex of successful responses sent without one, by message id, as the sender's shadow answered (see `withMatchIndex`). */
  private readonly impliedMatch = new FifoWindow<number>(4096);

  /** The protocol extensions the header declares: the shadows run the chart with them. */
  private readonly features: ReadonlySet<Feature>;

  constructor(header: Header, private readonly report: Report, private readonly enabled?: ReadonlySet<string>, private readonly onTransition?: TransitionObserver, private readonly engine?: Engine) {
    this.members = header.nodes;
    this.features = new Set(header.features ?? []);
    this.config = {
      ...DEFAULT_NODE_CONFIG,
      features: canonicalFeatures(this.features),
      electionTimeout: { min: header.params?.electionTimeoutMin ?? 150, max: header.params?.electionTimeoutMax ?? 300 },
      heartbeatInterval: header.params?.heartbeatInterval ?? 50,
      maxEntriesPerMessage: Number.MAX_SAFE_INTEGER,
      // Feature `membership`: every node starts in the header's initial configuration.
      ...(this.features.has('membership') ? { configuration: { voters: header.params?.voters ?? header.nodes, learners: header.params?.learners ?? [] } } : {}),
    };
    for (const id of header.nodes) {
      const shadow: Shadow = { id, ref: null, driven: false, logsMessages: false, logsElectionTimeouts: false, unchecked: false, pending: [], now: INITIAL_FACTS, refCommit: 0, applies: new IndexWindow(), answers: new Map(), hidden: 0, foreignSnapshot: 0, stepLine: 1, stepKind: 'start', staleRequest: false, logsKinds: new Set(), deferred: new Map(), logsClientRequests: false, led: false, voteRequestTerm: null, featureTimers: new Map(), loggedTimers: new Set(), staleGrants: [], deferredAppend: null, deferredVote: null };
      this.shadows.set(id, shadow);
      this.boot(shadow);
    }
  }

  private on(rule: string): boolean {
    return this.enabled === undefined || this.enabled.has(rule);
  }

  /**
   * What the node does cannot be followed from what it logs, so that a difference from the
   * shadow shows something left out, not a fault: it has logged neither an input nor a message
   * (only hidden steps drive its shadow: a producer of state changes alone); or it has led,
   * without appends logged while the trace has shown no client request (the shadow may not
   * have seen its log grow): then a difference about its log (`aboutLog`) is not judged.
   */
  private cannotFollow(shadow: Shadow, aboutLog = true): boolean {
    return !shadow.logsMessages || (aboutLog && this.logUnseen(shadow));
  }

  /** The node has led while the trace has shown neither a client request nor an append of it: its log may have grown unseen. */
  private logUnseen(shadow: Shadow): boolean {
    return shadow.led && !this.clientRequestsLogged && !shadow.logsKinds.has('append');
  }

  private fail(rule: (typeof CONFORMANCE_RULES)[number]['id'], shadow: Shadow, line: number, message: string, expected?: string, seen?: string, aboutLog = true): void {
    if (!shadow.logsMessages) {
      // Left to the invariants from now on.
      shadow.unchecked = true;
      return;
    }
    if ((aboutLog && this.logUnseen(shadow)) || shadow.deferred.has(LOG_SEEN)) {
      // Judged once the trace shows that it logs client requests or this node's appends; and
      // once the shadow may have parted from the node that way, all that follows waits too.
      this.defer(shadow, LOG_SEEN, rule, line, message, expected ?? '', seen ?? '');
      return;
    }
    if (!this.on(rule)) return;
    const term = shadow.ref?.live.term;
    this.report({
      rule, line, nodes: [shadow.id], terms: term === undefined ? [] : [term], message,
      ...(expected !== undefined ? { expected } : {}), ...(seen !== undefined ? { seen } : {}), related: [shadow.stepLine],
    });
  }

  private boot(shadow: Shadow, persisted?: PersistentState): void {
    // Timeout draws do not matter here: timers fire when the trace says so.
    const observe = this.onTransition;
    shadow.ref = createReferenceNode({ ...this.config, id: shadow.id, members: this.members }, {
      random: createRandom(0), ...(persisted ? { persisted } : {}), ...(this.engine ? { engine: this.engine } : {}), ...(observe ? { onTransition: (t: TakenTransition) => observe(shadow.id, this.line, t) } : {}),
    });
    shadow.ref.start();
    shadow.pending = [];
    shadow.now = factsOf(shadow.ref.live);
    // A restart from a snapshot (feature `snapshot`) starts with it committed.
    shadow.refCommit = shadow.ref.live.commitIndex;
    shadow.applies.clear();
    shadow.answers.clear();
    shadow.featureTimers.clear();
    const snap = persisted?.snapshot;
    shadow.foreignSnapshot = snap && snap.term > persisted.term ? snap.index : 0;
  }

  event(e: TraceEvent, line: number): void {
    if (!('node' in e) || e.node === undefined || e.kind === 'note') return;
    const shadow = this.shadows.get(e.node);
    if (!shadow || shadow.unchecked) return;
    this.line = line;
    this.time = e.time;
    if (shadow.deferredAppend) {
      // A term or role change comes with either handling: held until the node shows which.
      if (e.kind === 'term' || e.kind === 'role') {
        shadow.deferredAppend.held.push({ e, line });
        return;
      }
      const held = this.resolveDeferred(shadow, e);
      for (const h of held) this.event(h.e, h.line);
      this.line = line;
      this.time = e.time;
    }
    if (shadow.deferredVote) this.resolveDeferredVote(shadow, e);
    if (shadow.ref?.live.role === 'leader') shadow.led = true;
    // Feature timers the node does not log fire, in the trace's time, before its next input.
    if (INPUT_KINDS.has(e.kind) && !(e.kind === 'timeout' && FEATURE_TIMERS.has(e.timer))) this.fireDueTimers(shadow, line, e.time, false);
    switch (e.kind) {
      case 'receive': {
        if (e.msg.type === 'AppendEntries' && this.deferAppend(shadow, line, e, e.msg)) return;
        if (e.msg.type === 'RequestVote' && this.deferVoteRequest(shadow, line, e, e.msg)) return;
        const msg = this.withMatchIndex(shadow, e.msg);
        if (!msg) {
          // A leader told of a success whose matchIndex nothing says: its commits cannot be followed.
          shadow.unchecked = true;
          return;
        }
        this.input(shadow, line, e, { type: 'receive', msg }, e.msg.term < (shadow.ref?.live.term ?? 0) && !RESPONSES.has(e.msg.type));
        if (e.msg.type === 'RequestVote' || e.msg.type === 'PreVote') shadow.voteRequestTerm = e.msg.term;
        if (e.msg.type === 'PreVoteResponse' && e.msg.voteGranted && shadow.ref?.live.role === 'precandidate' && e.msg.term === shadow.ref.live.term) shadow.staleGrants.push({ line, term: e.msg.term, from: e.msg.from });
        return;
      }
      case 'transfer':
        return this.input(shadow, line, e, { type: 'transfer', target: e.target }, false);
      case 'reconfigure':
        return this.input(shadow, line, e, { type: 'reconfigure', change: e.change, server: e.server }, false);
      case 'timeout':
        if (e.timer === 'election') {
          shadow.logsElectionTimeouts = true;
          shadow.staleGrants = [];
        }
        if (FEATURE_TIMERS.has(e.timer)) {
          shadow.loggedTimers.add(e.timer);
          shadow.featureTimers.delete(e.timer as FeatureTimer);
        }
        return this.input(shadow, line, e, { type: 'timeout', timer: e.timer }, false);
      case 'client_request':
        shadow.logsClientRequests = true;
        if (!this.clientRequestsLogged) {
          this.clientRequestsLogged = true;
          for (const s of this.shadows.values()) this.flush(s, LOG_SEEN);
        }
        return this.input(shadow, line, e, { type: 'client_request', client: e.client, requestId: e.requestId, op: e.op }, false);
      case 'crash':
        // A crash may cut the current step short (a node that appended and crashed before it
        // answered): what it had not logged yet did not happen.
        shadow.pending = [];
        shadow.ref = null;
        return;
      case 'restart': {
        // The crash before it (logged or not) may have cut the step short, as at a crash.
        shadow.pending = [];
        // What the node recovered: `persisted`, or a state that logs all of it. Without it the
        // shadow cannot be rebuilt (the node may have lost entries it had not stored yet), and
        // the node is left to the invariants from then on. A state's log after a snapshot
        // (feature `snapshot`) lacks the snapshot's value: only `persisted` holds it.
        const s = e.state;
        const recovered = e.persisted ?? (s?.term !== undefined && s.votedFor !== undefined && s.log !== undefined && !s.snapshotIndex ? { term: s.term, votedFor: s.votedFor, log: s.log } : undefined);
        if (!recovered) {
          shadow.unchecked = true;
          shadow.ref = null;
          return;
        }
        this.boot(shadow, recovered);
        if (e.state) this.checkState(shadow, e.state, shadow.ref!.live, shadow.ref!.live, line);
        return;
      }
      case 'snapshot':
        return this.takeSnapshot(shadow, e, line);
      default:
        if (!shadow.ref) return;
        // Only a hidden step can start driving a node before its first logged input: an
        // election (its role change, term, vote for itself or RequestVote), or a term update.
        if (!shadow.driven && !this.mayStartHidden(shadow, e)) return;
        this.output(shadow, e, line);
    }
  }

  /**
   * Feature `snapshot`: when a node snapshots is its own choice (the protocol leaves it free), so
   * the shadow takes the node's snapshot as logged — of applied entries only, past its last one —
   * and from then on does what the reference does with that snapshot (InstallSnapshot for a
   * follower that needs a discarded entry). Its value is checked by rule snapshot.value.
   */
  private takeSnapshot(shadow: Shadow, e: Extract<TraceEvent, { kind: 'snapshot' }>, line: number): void {
    const ref = shadow.ref;
    if (!ref) return;
    if (!this.features.has('snapshot')) {
      this.fail('conformance.unexpected', shadow, line, `${shadow.id} took a snapshot, but the trace's header does not declare the feature 'snapshot', and the Raft of Figure 2 has no snapshots`, 'features: ["snapshot"] in the header', 'snapshot');
      return;
    }
    const v = ref.live;
    if (e.index <= v.snapshotIndex || e.index > v.lastApplied || v.log.termAt(e.index) !== e.term) {
      const why = e.index <= v.snapshotIndex ? `its snapshot already covers index ${v.snapshotIndex}` : e.index > v.lastApplied ? `the reference has applied entries up to ${v.lastApplied} only` : `its entry ${e.index} has term ${v.log.termAt(e.index)}`;
      this.fail('conformance.unexpected', shadow, line, `${shadow.id} took a snapshot through index ${e.index} (term ${e.term}) that the reference could not take: ${why}`,
        `a snapshot through an applied index in ${v.snapshotIndex + 1}..${v.lastApplied}, of the term of the entry there`, `snapshot through ${e.index}, term ${e.term}`);
      return;
    }
    ref.step({ type: 'snapshot', index: e.index, value: e.value });
  }

  /**
   * Hidden step: an AppendEntries whose prevLogIndex is below the node's commitIndex (as the
   * receive's state logs it, else the shadow's) may be skipped: the node answers success with matchIndex =
   * commitIndex and changes nothing else (etcd: a follower's committed entries are the
   * leader's, Leader Completeness, so the claim is true; skipping a request is what its loss
   * would do). Which the node did shows in its next output, so the message is shown to the
   * shadow then (`resolveDeferred`), and term and role changes, which either handling makes,
   * are held until then.
   */
  private deferAppend(shadow: Shadow, line: number, e: TraceEvent & { kind: 'receive' }, msg: Message & { type: 'AppendEntries' }): boolean {
    // Where the receive leaves its commitIndex out, the shadow's (the node's as far as the trace shows it).
    const c = e.state?.commitIndex ?? shadow.ref?.live.commitIndex;
    if (!shadow.ref || c === undefined || msg.prevLogIndex >= c || msg.term < shadow.ref.live.term || shadow.ref.live.log.termAt(c) === undefined) return false;
    this.input(shadow, line, e, null, false);
    shadow.deferredAppend = { msg, commitIndex: c, held: [] };
    return true;
  }

  /**
   * The node's first event after a deferred AppendEntries other than a term or role change: a
   * success at its commitIndex means it skipped it. Returns the events held meanwhile.
   */
  private resolveDeferred(shadow: Shadow, e: TraceEvent): Array<{ e: TraceEvent; line: number }> {
    const { msg, commitIndex: c, held } = shadow.deferredAppend!;
    shadow.deferredAppend = null;
    if (!shadow.ref) return held;
    const skipped = e.kind === 'send' && e.msg.type === 'AppendEntriesResponse' && e.msg.success && e.msg.matchIndex === c && c !== msg.prevLogIndex + msg.entries.length;
    const shown: Message = skipped ? { ...msg, prevLogIndex: c, prevLogTerm: shadow.ref.live.log.termAt(c)!, entries: [], leaderCommit: Math.min(msg.leaderCommit, c) } : msg;
    if (skipped) shadow.hidden++;
    this.expect(shadow, shadow.ref.step({ type: 'receive', msg: shown }));
    return held;
  }

  /**
   * Hidden step 9: a vote refused because the term's leader is known (etcd's \`canVote\`: a
   * node that has heard from the leader of its term refuses a RequestVote of that term even if
   * it has not voted). Figure 2 grants it; refusing is always safe (it gives nothing), and the
   * term has its leader already. Only a follower of the request's term that knows that term's
   * leader (it accepted an AppendEntries, a Heartbeat or an InstallSnapshot of the term: the
   * shadow's \`leaderId\`, which a new term, an election and a restart forget), that has not
   * voted and would grant: which it did shows in its next event (\`resolveDeferredVote\`).
   */
  private deferVoteRequest(shadow: Shadow, line: number, e: TraceEvent & { kind: 'receive' }, msg: Message & { type: 'RequestVote' }): boolean {
    const v = shadow.ref?.live;
    if (!v || v.role !== 'follower' || msg.term !== v.term || v.votedFor !== null || v.leaderId === null || v.leaderId === shadow.id) return false;
    if (!isLogUpToDate(msg.lastLogTerm, msg.lastLogIndex, v.lastLogTerm, v.lastLogIndex)) return false; // refused by Figure 2 as well
    this.input(shadow, line, e, null, false);
    shadow.voteRequestTerm = msg.term;
    shadow.deferredVote = msg;
    return true;
  }

  /**
   * The node's first event after a deferred RequestVote: a refusal to the candidate in the
   * request's term means it refused because it knows the term's leader, and the shadow is
   * shown a request it refuses (the same, with a log position behind any), so that it answers
   * no and records no vote; anything else, the request itself.
   */
  private resolveDeferredVote(shadow: Shadow, e: TraceEvent): void {
    const msg = shadow.deferredVote!;
    shadow.deferredVote = null;
    if (!shadow.ref) return;
    const refused = e.kind === 'send' && e.msg.type === 'RequestVoteResponse' && !e.msg.voteGranted && e.msg.to === msg.candidateId && e.msg.term === msg.term;
    if (refused) shadow.hidden++;
    this.expect(shadow, shadow.ref.step({ type: 'receive', msg: refused ? { ...msg, lastLogIndex: -1, lastLogTerm: -1 } : msg }));
  }

  /**
   * With PreVote, a node that does not log its election timeouts (its pre-vote round needs a
   * hidden one) is left to the invariants: a pre-candidate's next round changes no term and
   * sends the same PreVotes, so the rounds, which count pre-votes afresh, cannot be told apart.
   */
  private preVoteRoundsHidden(shadow: Shadow): boolean {
    if (!this.features.has('prevote')) return false;
    shadow.unchecked = true;
    return true;
  }

  /** Whether a node's event, logged before any input, can be the first of a hidden step. */
  private mayStartHidden(shadow: Shadow, e: TraceEvent): boolean {
    switch (e.kind) {
      case 'role':
        return e.role === 'candidate' || e.role === 'precandidate';
      case 'term':
        return true;
      case 'vote':
        return e.votedFor === shadow.id;
      case 'send':
        return (e.msg.type === 'RequestVote' || e.msg.type === 'PreVote') && e.msg.term > shadow.ref!.live.term;
      default:
        return false;
    }
  }

  /**
   * A successful AppendEntriesResponse that does not log its matchIndex (it is optional): the
   * value its sender's shadow answered, where the sender is followed. Otherwise null: which of
   * the leader's requests it answers is not known, and any guess would make the leader's shadow
   * commit too little (a false "commit beyond the reference") or too much (applies that the
   * node then logs differently).
   */
  private withMatchIndex(shadow: Shadow, msg: Message): Message | null {
    if (msg.type !== 'AppendEntriesResponse' || !msg.success || msg.matchIndex !== undefined) return msg;
    const v = shadow.ref?.live;
    if (!v || v.role !== 'leader' || msg.term !== v.term) return msg; // ignored, or a step-down: matchIndex unused
    const matchIndex = this.impliedMatch.get(msg.id);
    return matchIndex === undefined ? null : { ...msg, matchIndex };
  }

  /** Ends a node's step: whatever the reference did that the node did not log is missing. */
  private closeStep(shadow: Shadow, line: number): void {
    if (!shadow.driven) return;
    for (const x of shadow.pending) {
      if (x.effect.kind === 'send' && shadow.staleRequest) continue; // a stale request may go unanswered
      if (x.effect.kind === 'send' && REQUESTS.has(x.effect.msg.type)) continue; // requests: timing is free
      if (x.effect.kind === 'send' && this.omissibleRefusal(shadow, x.effect.msg)) continue;
      if (x.effect.kind === 'truncate') continue; // the append at that index that follows replaces the entries anyway (spec/TRACE_FORMAT.md)
      const message = `${shadow.id} did not log "${effectKey(x.effect)}", which the reference does for the ${shadow.stepKind} on line ${shadow.stepLine}`;
      // A kind the node has not logged so far: perhaps its producer logs none of that kind.
      if (STATE_KINDS.has(x.effect.kind) && !shadow.logsKinds.has(x.effect.kind)) this.defer(shadow, x.effect.kind, 'conformance.missing', line, message, effectKey(x.effect), 'nothing before the next input');
      else this.fail('conformance.missing', shadow, line, message, effectKey(x.effect), 'nothing before the next input');
    }
    shadow.pending = [];
  }

  /**
   * A refusal of a vote or pre-vote in another term than the request's: the request was stale,
   * or the node refused it without adopting its higher term (a pre-vote; a RequestVote under
   * CheckQuorum's lease). Such a request may be ignored instead (etcd does).
   */
  private omissibleRefusal(shadow: Shadow, m: MessageBody): boolean {
    return (m.type === 'RequestVoteResponse' || m.type === 'PreVoteResponse') && !m.voteGranted && shadow.voteRequestTerm !== null && m.term !== shadow.voteRequestTerm;
  }

  /** A violation only if the node logs changes of `kind`, which it has not done so far: held until it does. */
  private defer(shadow: Shadow, kind: string, rule: (typeof CONFORMANCE_RULES)[number]['id'], line: number, message: string, expected: string, seen: string): void {
    if (!this.on(rule) || !shadow.logsMessages) return;
    const held = shadow.deferred.get(kind) ?? [];
    const term = shadow.ref?.live.term;
    if (held.length < MAX_DEFERRED) held.push({ rule, line, nodes: [shadow.id], terms: term === undefined ? [] : [term], message, expected, seen, related: [shadow.stepLine] });
    shadow.deferred.set(kind, held);
  }

  /** The node logs a kind of state change for the first time: what it left out of that kind before, and what was judged as if it did not log it, is reported after all. */
  private logsKind(shadow: Shadow, kind: string): void {
    if (shadow.logsKinds.has(kind)) return;
    shadow.logsKinds.add(kind);
    this.flush(shadow, kind);
    if (kind === 'append') this.flush(shadow, LOG_SEEN);
  }

  /** Reports what was held under `key`. */
  private flush(shadow: Shadow, key: string): void {
    const held = shadow.deferred.get(key);
    if (!held) return;
    shadow.deferred.delete(key);
    for (const v of held) this.report(v);
  }

  /**
   * The node's state as far as its logged changes tell: `now` for the kinds of change it logs,
   * the reference's after the step for those it does not (their changes may have happened
   * anywhere in the step). `loose` lists the fields the latter decide.
   */
  private factsNow(shadow: Shadow): { facts: NodeFacts; loose: Array<(typeof EXACT_FIELDS)[number]> } {
    const kinds = shadow.logsKinds;
    if (kinds.has('role') && kinds.has('term') && kinds.has('vote') && kinds.has('append')) return { facts: shadow.now, loose: [] };
    const live = shadow.ref!.live;
    const loose: Array<(typeof EXACT_FIELDS)[number]> = [];
    const pick = <K extends (typeof EXACT_FIELDS)[number]>(field: K): NodeFacts[K] => {
      if (KINDS_OF_FIELD[field].every((k) => kinds.has(k))) return shadow.now[field];
      loose.push(field);
      return live[field];
    };
    const facts: NodeFacts = { role: pick('role'), term: pick('term'), votedFor: pick('votedFor'), lastLogIndex: pick('lastLogIndex'), lastLogTerm: pick('lastLogTerm') };
    return { facts, loose };
  }

  /**
   * The state logged with a commit or an apply, against the node's state as its logged changes
   * leave it: fields of kinds it logs now; fields of kinds it has not logged (the `loose` ones),
   * as if it logged them, held until it does (see `defer`).
   */
  private checkOwnState(shadow: Shadow, seen: NodeState, facts: NodeFacts, loose: ReadonlyArray<(typeof EXACT_FIELDS)[number]>, line: number): void {
    if (loose.length === 0) return this.checkState(shadow, seen, facts, shadow.ref!.live, line);
    const want = { ...facts } as Record<string, unknown>;
    for (const field of loose) {
      const v = seen[field];
      if (v === undefined) continue;
      want[field] = v;
      // Held under the one kind it waits for (where it waits for two, not judged).
      const waits = KINDS_OF_FIELD[field].filter((k) => !shadow.logsKinds.has(k));
      if (v !== shadow.now[field] && waits.length === 1) {
        this.defer(shadow, waits[0]!, 'conformance.state', line, `${shadow.id}'s logged state disagrees with the reference: ${field} ${JSON.stringify(v)} (reference: ${JSON.stringify(shadow.now[field])})`,
          JSON.stringify(shadow.now), JSON.stringify(seen));
      }
    }
    this.checkState(shadow, seen, want as unknown as NodeFacts, shadow.ref!.live, line);
  }

  /** A logged input: the previous step ends, this one starts; `input` null: shown to the shadow later (`deferAppend`). */
  private input(shadow: Shadow, line: number, e: TraceEvent, input: Parameters<RaftNode['step']>[0] | null, stale: boolean): void {
    if (!shadow.ref) return; // input to a crashed node: the schema/invariants layers speak to that
    shadow.logsMessages = true;
    this.closeStep(shadow, line);
    shadow.driven = true;
    shadow.stepLine = line;
    shadow.stepKind = e.kind;
    shadow.staleRequest = stale;
    shadow.voteRequestTerm = null;
    // The input event's state is the node's state before handling it.
    const before = 'state' in e ? e.state : undefined;
    // A node that logs no role changes may show an election lost (hidden step 8) only by a follower's state.
    if (before?.role === 'follower' && !shadow.logsKinds.has('role')) this.hiddenElectionLost(shadow);
    if (before) this.checkState(shadow, before, shadow.ref.live, shadow.ref.live, line);
    shadow.now = factsOf(shadow.ref.live);
    if (input) this.expect(shadow, shadow.ref.step(input));
  }

  /**
   * Hidden step: a feature timer (lease, quorum, transfer: fixed durations, unlike the election
   * timer's random draw) that the node does not log fires when the trace's time passes its
   * deadline. Before an input, only a deadline strictly before it counts (at the same
   * millisecond the input is taken to come first, as a logging producer would show); to
   * explain an output (`upTo`), a deadline up to its time.
   */
  private fireDueTimers(shadow: Shadow, line: number, time: number, upTo: boolean): boolean {
    let fired = false;
    for (;;) {
      let next: [FeatureTimer, number] | null = null;
      for (const [timer, at] of shadow.featureTimers) if (!shadow.loggedTimers.has(timer) && (upTo ? at <= time : at < time) && (!next || at < next[1])) next = [timer, at];
      if (!next || !shadow.ref) return fired;
      shadow.featureTimers.delete(next[0]);
      this.closeStep(shadow, line);
      shadow.hidden++;
      shadow.stepLine = line;
      shadow.stepKind = `${next[0]} timeout (not logged, due at ${next[1]} ms)`;
      shadow.staleRequest = false;
      shadow.voteRequestTerm = null;
      shadow.now = factsOf(shadow.ref.live);
      // The timers it re-arms run from its deadline, when it fired.
      const now = this.time;
      this.time = next[1];
      this.expect(shadow, shadow.ref.step({ type: 'timeout', timer: next[0] }));
      this.time = now;
      fired = true;
    }
  }

  private expect(shadow: Shadow, records: StepRecord[]): void {
    for (const r of records) {
      const effect = r.effect;
      if (effect.kind === 'set_timer' || effect.kind === 'cancel_timer') {
        if (FEATURE_TIMERS.has(effect.timer)) {
          if (effect.kind === 'set_timer') shadow.featureTimers.set(effect.timer as FeatureTimer, this.time + effect.after);
          else shadow.featureTimers.delete(effect.timer as FeatureTimer);
        }
        continue;
      }
      if (effect.kind === 'commit') shadow.refCommit = Math.max(shadow.refCommit, effect.commitIndex);
      else if (effect.kind === 'snapshot') continue; // the shadow snapshots only where the trace says (takeSnapshot)
      else if (effect.kind === 'install_snapshot') {
        shadow.refCommit = Math.max(shadow.refCommit, effect.index);
        shadow.pending.push(r);
      }
      else if (effect.kind === 'apply') shadow.applies.set(effect.index, r);
      else if (effect.kind === 'client_response') shadow.answers.set(`${effect.client}#${effect.requestId}`, r);
      else shadow.pending.push(r);
    }
  }

  /**
   * Hidden step: an election timeout the node did not log (many implementations log the
   * election, not the timer). Taken only for an unexplained move to candidate.
   */
  private hiddenElectionTimeout(shadow: Shadow, line: number): void {
    const role = shadow.ref?.live.role;
    if (!shadow.ref || (role !== 'follower' && role !== 'candidate' && role !== 'precandidate')) return;
    this.closeStep(shadow, line);
    shadow.hidden++;
    shadow.driven = true;
    shadow.stepLine = line;
    shadow.stepKind = 'election timeout (not logged)';
    shadow.staleGrants = [];
    shadow.staleRequest = false;
    shadow.voteRequestTerm = null;
    shadow.now = factsOf(shadow.ref.live);
    this.expect(shadow, shadow.ref.step({ type: 'timeout', timer: 'election' }));
  }

  /**
   * Hidden step: a node that logs the adoption of a higher term before the message carrying
   * it (or merges it into another step). The reference is shown an empty higher-term response,
   * which does exactly that and nothing else.
   */
  private hiddenTermUpdate(shadow: Shadow, term: number, line: number): boolean {
    const peer = this.members.find((m) => m !== shadow.id);
    if (!shadow.ref || peer === undefined || term <= shadow.ref.live.term) return false;
    if (!shadow.driven) {
      shadow.driven = true;
      shadow.stepLine = line;
      shadow.stepKind = 'term update (before its message)';
    }
    shadow.hidden++;
    shadow.now = factsOf(shadow.ref.live);
    this.expect(shadow, shadow.ref.step({ type: 'receive', msg: { id: 'hidden', type: 'AppendEntriesResponse', from: peer, to: shadow.id, term, success: false } }));
    return true;
  }

  /**
   * Hidden step: a new leader's no-op (thesis §6.4, paper §8: a leader commits a blank entry at
   * the start of its term, so that it learns which entries are committed; etcd does). A leader
   * that appends one no-op entry of its term at the end of its log, before any entry of its
   * term, is taken to have been asked for it: the reference appends it as a client request
   * that no client waits for (a no-op is never answered).
   */
  private hiddenLeaderNoop(shadow: Shadow, e: TraceEvent & { kind: 'append' }, line: number): void {
    if (e.entries.length === 1) this.hiddenNoopAt(shadow, e.index, e.entries[0]!, line);
  }

  /**
   * The same no-op shown only by the AppendEntries that carries it, from a leader that does not
   * log its appends (a producer of messages only): the entry right after the shadow's log.
   */
  private hiddenNoopSent(shadow: Shadow, msg: Extract<Message, { type: 'AppendEntries' }>, line: number): boolean {
    const v = shadow.ref?.live;
    if (!v || shadow.logsKinds.has('append') || msg.term !== v.term || msg.prevLogIndex > v.lastLogIndex) return false;
    const entry = msg.entries[v.lastLogIndex - msg.prevLogIndex];
    return entry !== undefined && this.hiddenNoopAt(shadow, v.lastLogIndex + 1, entry, line);
  }

  private hiddenNoopAt(shadow: Shadow, index: number, entry: Entry, line: number): boolean {
    const v = shadow.ref?.live;
    if (!shadow.ref || !v || v.role !== 'leader' || index !== v.lastLogIndex + 1) return false;
    // An entry of its term at the end of its log is one it appended as leader, unless it is the
    // last entry of a foreign snapshot (etcd's bootstrap) that its log still ends with.
    const foreign = shadow.foreignSnapshot > 0 && v.lastLogIndex === shadow.foreignSnapshot && v.snapshotIndex === shadow.foreignSnapshot;
    if (v.lastLogTerm === v.term && !foreign) return false;
    if (entry.command.type !== 'noop' || entry.term !== v.term) return false;
    shadow.hidden++;
    shadow.now = factsOf(v);
    // The reference takes a no-op like any command; its origin is no client's (entries compare no-ops by kind alone).
    const op = { type: 'noop' } as unknown as Operation;
    this.expect(shadow, shadow.ref.step({ type: 'client_request', client: 'leader-noop', requestId: line, op }));
    return true;
  }

  /**
   * Hidden step: a client request not logged (a producer that logs no client traffic). A leader
   * that appends, with no append pending, one entry of its term carrying a client command right
   * after its last entry is taken to have received that request. Not for a node that logs its
   * client requests.
   */
  private hiddenClientRequest(shadow: Shadow, e: Extract<TraceEvent, { kind: 'append' }>, line: number): void {
    const v = shadow.ref?.live;
    const entry = e.entries[0];
    if (!v || shadow.logsClientRequests || v.role !== 'leader' || e.entries.length !== 1 || e.index !== v.lastLogIndex + 1 || entry!.term !== v.term) return;
    const c = entry!.command;
    if (!isClientCommand(c) || c.client === undefined || c.requestId === undefined) return;
    const op: Operation = c.type === 'set' ? { type: 'set', value: c.value } : c.type === 'get' ? { type: 'get' } : { type: 'cas', expected: c.expected, value: c.value };
    this.closeStep(shadow, line);
    shadow.hidden++;
    shadow.stepLine = line;
    shadow.stepKind = 'client request (not logged)';
    shadow.staleRequest = false;
    shadow.now = factsOf(v);
    this.expect(shadow, shadow.ref!.step({ type: 'client_request', client: c.client, requestId: c.requestId, op }));
  }

  /**
   * Hidden step 8: an election lost. A candidate or pre-candidate that logs \`role follower\`
   * where the shadow has no pending role change may have conceded an election it can no longer
   * win (etcd's \`VoteLost\`): the shadow is shown \`ELECTION_LOST\`, whose guard holds only if
   * servers enough to deny it a majority have refused it in its current term (or round) —
   * otherwise nothing happens and the step-down stays unexplained. Part of the current step.
   */
  private hiddenElectionLost(shadow: Shadow): void {
    const role = shadow.ref?.live.role;
    if (!shadow.ref || (role !== 'candidate' && role !== 'precandidate')) return;
    const before = factsOf(shadow.ref.live);
    const records = shadow.ref.concedeElection();
    if (records.length === 0) return;
    shadow.hidden++;
    shadow.now = before;
    this.expect(shadow, records);
  }

  /**
   * Hidden step 8 where a node that logs no role changes shows the follower it became only in
   * the state logged with an output (a refusal it sends as a follower, as it would as the
   * candidate it was: the two answer alike). True if the shadow conceded (same guard).
   */
  private concededBefore(shadow: Shadow, state: NodeState): boolean {
    if (state.role !== 'follower' || shadow.logsKinds.has('role') || pendingOfKind(shadow.pending, 'role') >= 0) return false;
    const role = shadow.ref?.live.role;
    if (role !== 'candidate' && role !== 'precandidate') return false;
    this.hiddenElectionLost(shadow);
    return shadow.ref!.live.role === 'follower';
  }

  /**
   * Why a pre-candidate's unexplained `role candidate` is wrong, where it received grants for
   * its own term: they answer a PreVote of an earlier round (sent from the term before), and
   * a pre-candidate counts only pre-votes for its term + 1 (thesis §9.6).
   */
  private staleGrantsCounted(shadow: Shadow, e: TraceEvent): string {
    const v = shadow.ref?.live;
    if (!v || e.kind !== 'role' || e.role !== 'candidate' || v.role !== 'precandidate') return '';
    const stale = shadow.staleGrants.filter((g) => g.term === v.term);
    if (stale.length === 0) return '';
    const list = stale.map((g) => `${g.from} on line ${g.line}`).join(', ');
    return `: it has no majority of pre-votes for term ${v.term + 1}; the grant${stale.length > 1 ? 's' : ''} for term ${v.term} it received (${list}) answer${stale.length > 1 ? '' : 's'} a PreVote of an earlier round and count${stale.length > 1 ? '' : 's'} for nothing (thesis §9.6)`;
  }

  private output(shadow: Shadow, e: TraceEvent, line: number): void {
    if (e.kind === 'send') {
      shadow.logsMessages = true;
      return this.outputSend(shadow, e.msg, line, e.state);
    }
    // A node that has logged neither inputs nor messages may log none (a sparse producer of
    // state changes): then what it does that the shadow cannot explain shows its inputs are
    // not logged, and leaves it to the invariants (see `cannotFollow`).
    this.outputChange(shadow, e, line);
  }

  private outputChange(shadow: Shadow, e: TraceEvent, line: number): void {
    // Comparisons are field by field; the observed key is built for a message only (no
    // closure for it either: tsx names every closure it creates, at a cost per event).
    // Commits and applies may come late (at any point of a later step) or early in their own
    // step: never beyond what the reference has reached after the same inputs, never beyond
    // the node's log as its logged changes leave it, and with a logged state that is the
    // node's own at that point (spec/CONFORMANCE.md, late and early commit and apply).
    if (e.kind === 'commit') {
      const { facts, loose } = this.factsNow(shadow);
      if (e.commitIndex > shadow.refCommit) {
        this.fail('conformance.unexpected', shadow, line, `${shadow.id} advanced commitIndex to ${e.commitIndex}, beyond what the reference can justify (${shadow.refCommit})`,
          `commitIndex ≤ ${shadow.refCommit}`, observedKey(e)!);
      } else if (e.commitIndex > shadow.now.lastLogIndex) {
        const message = `${shadow.id} advanced commitIndex to ${e.commitIndex}, beyond the end of its log (last index ${shadow.now.lastLogIndex}): it commits an entry before logging its append`;
        if (e.commitIndex > facts.lastLogIndex) this.fail('conformance.unexpected', shadow, line, message, `commitIndex ≤ ${shadow.now.lastLogIndex}`, observedKey(e)!);
        else this.defer(shadow, 'append', 'conformance.unexpected', line, message, `commitIndex ≤ ${shadow.now.lastLogIndex}`, observedKey(e)!);
      }
      if (e.state) this.checkOwnState(shadow, e.state, facts, loose, line);
      return;
    }
    if (e.kind === 'apply') {
      const { facts, loose } = this.factsNow(shadow);
      const x = shadow.applies.get(e.index);
      if (!x || !sameApply(x, e)) {
        this.fail('conformance.unexpected', shadow, line, `${shadow.id} applied index ${e.index}, which the reference ${x ? 'applies differently' : 'has not applied (it is not committed there)'}`,
          x ? expectedApplyKey(x, e) : `no apply of index ${e.index} yet`, observedKey(e)!);
        return;
      }
      if (e.index > shadow.now.lastLogIndex) {
        const message = `${shadow.id} applied index ${e.index}, beyond the end of its log (last index ${shadow.now.lastLogIndex}): it applies an entry before logging its append`;
        if (e.index > facts.lastLogIndex) {
          this.fail('conformance.unexpected', shadow, line, message, `apply at most index ${shadow.now.lastLogIndex}`, observedKey(e)!);
          return;
        }
        this.defer(shadow, 'append', 'conformance.unexpected', line, message, `apply at most index ${shadow.now.lastLogIndex}`, observedKey(e)!);
      }
      // Applies come in index order: drop everything up to this one (O(1) amortised, even after a
      // restart re-applies thousands of entries in one step).
      shadow.applies.dropThrough(e.index);
      if (e.state) this.checkOwnState(shadow, e.state, facts, loose, line);
      return;
    }
    if (e.kind === 'client_response') {
      const id = `${e.client}#${e.requestId}`;
      const x = shadow.answers.get(id);
      // A node that does not log its client requests may answer one the shadow never saw (a
      // follower's not_leader; a leader's answer to a request whose append is not logged either).
      if (!x && !shadow.logsClientRequests) return;
      const same = x && x.effect.kind === 'client_response' && (e.result.status === 'not_leader' ? x.effect.result.status === 'not_leader' : effectKey(x.effect) === observedKey(e)!);
      if (!same) {
        this.fail('conformance.unexpected', shadow, line, `${shadow.id} answered client ${e.client} request ${e.requestId} with ${JSON.stringify(e.result)}, which the reference does not (or not yet)`,
          x ? effectKey(x.effect) : 'no answer yet', observedKey(e)!);
        return;
      }
      shadow.answers.delete(id);
      // An answer may come late, like an apply: its state is the node's own at that point.
      if (e.state) {
        const { facts, loose } = this.factsNow(shadow);
        this.checkOwnState(shadow, e.state, facts, loose, line);
      }
      return;
    }
    if (STATE_KINDS.has(e.kind)) {
      this.logsKind(shadow, e.kind);
      // A change no step explains may be a feature timer the node does not log (a quorum check's step-down).
      if (pendingOfKind(shadow.pending, e.kind) < 0) this.fireDueTimers(shadow, line, this.time, true);
      // With PreVote, an election timeout makes a pre-candidate: a candidate without a pre-vote round is not explained by one.
      if (e.kind === 'role' && (e.role === (this.features.has('prevote') ? 'precandidate' : 'candidate')) && pendingOfKind(shadow.pending, 'role') < 0) {
        if (this.preVoteRoundsHidden(shadow)) return;
        this.hiddenElectionTimeout(shadow, line);
      }
      if (e.kind === 'append' && pendingOfKind(shadow.pending, 'append') < 0) this.hiddenLeaderNoop(shadow, e, line);
      if (e.kind === 'role' && e.role === 'follower' && pendingOfKind(shadow.pending, 'role') < 0) this.hiddenElectionLost(shadow);
      if (e.kind === 'term' && pendingOfKind(shadow.pending, 'term') < 0) {
        // A candidate whose election times out starts the next one without a role change, so
        // it logs no `role candidate`: where the node does not log election timeouts, its next
        // term is that election (hidden step 2), not a term taken from a message (step 1).
        const v = shadow.ref!.live;
        const next = e.term === v.term + 1 && !shadow.logsElectionTimeouts;
        if (next && (v.role === 'follower' || (this.features.has('prevote') && v.role !== 'leader')) && !shadow.logsKinds.has('role') && e.state?.role === undefined) {
          // A follower's election or a term taken from a message: without election timeouts, role
          // changes or a logged role the two cannot be told apart (with PreVote, for any
          // non-leader: its election follows a pre-vote round). Left to the invariants.
          shadow.unchecked = true;
          return;
        }
        // With PreVote an election timeout starts a pre-vote round, which changes no term.
        if (next && (v.role === 'candidate' || e.state?.role === 'candidate') && !this.features.has('prevote')) this.hiddenElectionTimeout(shadow, line);
        else this.hiddenTermUpdate(shadow, e.term, line);
      }
      if (e.kind === 'vote' && e.votedFor === shadow.id && !this.features.has('prevote') && !shadow.logsElectionTimeouts && !shadow.logsKinds.has('term') && !shadow.pending.some((x) => x.effect.kind === 'vote' && x.effect.votedFor === shadow.id)) {
        // An election whose first logged trace is the node's vote for itself (hidden step 2).
        this.hiddenElectionTimeout(shadow, line);
      }
      if (e.kind === 'append' && pendingOfKind(shadow.pending, 'append') < 0) this.hiddenClientRequest(shadow, e, line);
      const i = pendingOfKind(shadow.pending, e.kind);
      const x = i >= 0 ? shadow.pending[i]! : undefined;
      if (!x || !sameStateChange(x.effect, e)) {
        this.fail('conformance.unexpected', shadow, line,
          `${shadow.id} logged "${observedKey(e)!}" after the ${shadow.stepKind} on line ${shadow.stepLine}, which the reference does not do${this.staleGrantsCounted(shadow, e)}`,
          x ? effectKey(x.effect) : `no ${e.kind} change`, observedKey(e)!);
        if (x) shadow.pending.splice(i, 1);
        return;
      }
      shadow.pending.splice(i, 1);
      shadow.now = x.state;
      // An installed snapshot holds the entries the node had not applied yet: no apply of them will come.
      if (e.kind === 'install_snapshot') shadow.applies.dropThrough(e.index);
      const after = 'state' in e ? e.state : undefined;
      if (after) this.checkState(shadow, after, x.state, shadow.ref!.live, line);
      return;
    }
  }

  private outputSend(shadow: Shadow, msg: Message, line: number, state: NodeState | undefined): void {
    if (RESPONSES.has(msg.type)) {
      const i = this.pendingResponse(shadow, msg);
      if (i < 0) {
        const wanted = pendingSend(shadow.pending, (m) => m.type === msg.type && m.to === msg.to);
        const after = `after the ${shadow.stepKind} on line ${shadow.stepLine}`;
        const diffs = wanted ? diffFields(msg, wanted, responseFields(msg)) : [];
        // The same response with other fields: name them; none of that kind: say what the reference sends instead.
        const message = diffs.length > 0
          ? describeDiffs(shadow.id, msg, diffs, `, ${after}`)
          : `${shadow.id} sent ${article(msg.type)} to ${msg.to} that the reference would not send ${after}: ${insteadOf(pendingSends(shadow.pending, (m) => RESPONSES.has(m.type)))}`;
        this.fail('conformance.unexpected', shadow, line, message, wanted ? JSON.stringify(wanted) : 'no such response', JSON.stringify(msg));
        return;
      }
      const x = shadow.pending.splice(i, 1)[0]!;
      if (msg.type === 'AppendEntriesResponse' && msg.success && msg.matchIndex === undefined && x.effect.kind === 'send' && x.effect.msg.type === 'AppendEntriesResponse' && x.effect.msg.matchIndex !== undefined) {
        this.impliedMatch.add(msg.id, x.effect.msg.matchIndex);
      }
      if (state) this.checkState(shadow, state, this.concededBefore(shadow, state) ? { ...x.state, role: 'follower' } : x.state, shadow.ref!.live, line);
      return;
    }
    // A request: check that the reference could send it now.
    let problem = this.badRequest(shadow, msg);
    const v = shadow.ref!.live;
    const elections = msg.term - v.term;
    if (problem && msg.type === 'RequestVote' && !this.features.has('prevote') && elections >= 1 && v.role !== 'leader' && !shadow.logsElectionTimeouts && (elections === 1 || !shadow.logsKinds.has('term'))) {
      // Elections whose only trace is this RequestVote (hidden step 2: no timeout, role or term
      // logged; and where the node logs no terms, earlier elections whose requests were lost).
      if (elections > MAX_HIDDEN_ELECTIONS) {
        shadow.unchecked = true;
        return;
      }
      for (let k = 0; k < elections; k++) this.hiddenElectionTimeout(shadow, line);
      problem = this.badRequest(shadow, msg);
    }
    if (problem && msg.type === 'PreVote' && this.features.has('prevote') && elections === 1 && (v.role === 'follower' || v.role === 'candidate') && !shadow.logsElectionTimeouts && !shadow.logsKinds.has('role')) {
      // A pre-vote round whose only trace is this PreVote (hidden step 2 with PreVote on).
      if (this.preVoteRoundsHidden(shadow)) return;
      this.hiddenElectionTimeout(shadow, line);
      problem = this.badRequest(shadow, msg);
    }
    if (problem && msg.type === 'AppendEntries' && this.hiddenNoopSent(shadow, msg, line)) problem = this.badRequest(shadow, msg);
    if (problem) {
      const message = 'diffs' in problem ? describeDiffs(shadow.id, msg, problem.diffs) : `${shadow.id} sent ${article(msg.type)} to ${msg.to} that the reference would not send: ${problem.why}`;
      this.fail('conformance.message', shadow, line, message, problem.expected, JSON.stringify(msg), problem.aboutLog ?? false);
      return;
    }
    // Matching a request the reference also produced keeps it from being reported missing.
    const i = this.pendingRequest(shadow, msg);
    const x = i >= 0 ? shadow.pending.splice(i, 1)[0]! : undefined;
    if (state) {
      this.concededBefore(shadow, state);
      const live = shadow.ref!.live;
      // Sent in a role the step then left without a new term (a removed leader's last AppendEntries): the state then.
      this.checkState(shadow, state, x && x.state.role !== live.role && x.state.term === live.term ? x.state : live, live, line);
    }
  }

  /** The first pending response the logged one matches (-1 if none). */
  private pendingResponse(shadow: Shadow, msg: Message): number {
    const pending = shadow.pending;
    for (let i = 0; i < pending.length; i++) {
      const effect = pending[i]!.effect;
      if (effect.kind === 'send' && responseMatches(effect.msg, msg)) return i;
    }
    return -1;
  }

  /** The first pending request of the same type to the same node (-1 if none). */
  private pendingRequest(shadow: Shadow, msg: Message): number {
    const pending = shadow.pending;
    for (let i = 0; i < pending.length; i++) {
      const effect = pending[i]!.effect;
      if (effect.kind === 'send' && effect.msg.type === msg.type && effect.msg.to === msg.to) return i;
    }
    return -1;
  }

  private badRequest(shadow: Shadow, msg: Message): RequestProblem | null {
    switch (msg.type) {
      case 'RequestVote':
        return this.badRequestVote(shadow, msg);
      case 'AppendEntries':
        return this.badAppendEntries(shadow, msg);
      case 'PreVote':
        return this.withFeature('prevote', msg) ?? this.badPreVote(shadow, msg);
      case 'TimeoutNow':
        return this.withFeature('transfer', msg) ?? this.badTimeoutNow(shadow, msg);
      case 'Heartbeat':
        return this.withFeature('heartbeat', msg) ?? this.badHeartbeat(shadow, msg);
      case 'InstallSnapshot':
        return this.withFeature('snapshot', msg) ?? this.badInstallSnapshot(shadow, msg);
      default:
        return { why: `${msg.type} is a response`, expected: 'a request' };
    }
  }

  /** A feature's message in a trace whose header does not declare the feature. */
  private withFeature(feature: Feature, msg: Message): RequestProblem | null {
    return this.features.has(feature) ? null : { why: `the trace's header does not declare the feature '${feature}', and the Raft of Figure 2 has no ${msg.type}`, expected: `features: ["${feature}"] in the header` };
  }

  /** Why the reference could not send this PreVote now: its role, or the fields that differ. */
  private badPreVote(shadow: Shadow, m: Extract<Message, { type: 'PreVote' }>): RequestProblem | null {
    const v = shadow.ref!.live;
    if (v.role !== 'precandidate') return { why: `it is ${v.role} in term ${v.term}, not a pre-candidate, and sends no PreVote`, expected: 'PreVote only from a pre-candidate' };
    const want = { term: v.term + 1, candidateId: shadow.id, lastLogIndex: v.lastLogIndex, lastLogTerm: v.lastLogTerm };
    const diffs = diffFields(m, want, ['term', 'candidateId', 'lastLogIndex', 'lastLogTerm']);
    return diffs.length > 0 ? { diffs, expected: JSON.stringify(want), aboutLog: diffs.some((d) => d.field === 'lastLogIndex' || d.field === 'lastLogTerm') } : null;
  }

  /** Why the reference could not send this TimeoutNow now: only a leader, to the target of its transfer once it holds the whole log. */
  private badTimeoutNow(shadow: Shadow, m: Extract<Message, { type: 'TimeoutNow' }>): RequestProblem | null {
    const v = shadow.ref!.live;
    // Sent in the step that ends the leadership (its removal committed, feature membership): the reference's own.
    if (v.role !== 'leader' && sentAsLeaderThisStep(shadow, m, v.term)) return null;
    if (v.role !== 'leader') return { why: `it is ${v.role} in term ${v.term}, not leader, and sends no TimeoutNow`, expected: 'TimeoutNow only from a leader' };
    if (m.term !== v.term) return { diffs: [{ field: 'term', seen: m.term, want: String(v.term) }], expected: `term ${v.term}` };
    if (v.transferTarget !== m.to) return { why: v.transferTarget === null ? 'no leadership transfer is under way' : `its leadership transfer is to ${v.transferTarget}`, expected: `TimeoutNow only to the transfer's target` };
    const match = v.matchIndexOf(m.to);
    if (match !== v.lastLogIndex) return { why: `${m.to} has acknowledged entries up to ${match} only, and the leader's log ends at ${v.lastLogIndex}: the target must be up to date first`, expected: `matchIndex[${m.to}] = ${v.lastLogIndex}`, aboutLog: true };
    return null;
  }

  /**
   * Why the reference could not send this Heartbeat now: only a leader, of its term, and its
   * commit at most what the receiver is known to hold of the leader's log, committed
   * (min(matchIndex, commitIndex)): a heartbeat is not checked against the receiver's log, so
   * a higher one could commit entries the receiver does not have, or has from another leader.
   */
  private badHeartbeat(shadow: Shadow, m: Extract<Message, { type: 'Heartbeat' }>): RequestProblem | null {
    const v = shadow.ref!.live;
    if (v.role !== 'leader' && !sentAsLeaderThisStep(shadow, m, v.term)) return { why: `it is ${v.role} in term ${v.term}, not leader, and sends no Heartbeat`, expected: 'Heartbeat only from a leader' };
    if (m.term !== v.term) return { diffs: [{ field: 'term', seen: m.term, want: String(v.term) }], expected: `term ${v.term}` };
    const match = v.matchIndexOf(m.to);
    const most = Math.min(match, v.commitIndex);
    if (m.commit > most) {
      const why = match < v.commitIndex ? `${most} or less (min(matchIndex[${m.to}] ${match}, commitIndex ${v.commitIndex}): ${m.to} has acknowledged entries up to ${match} only)` : `${most} or less (its commitIndex)`;
      return { diffs: [{ field: 'commit', seen: m.commit, want: why }], expected: `commit ≤ ${most}`, aboutLog: true };
    }
    return null;
  }

  /** Why the reference could not send this InstallSnapshot now: only a leader, its own snapshot, whole. */
  private badInstallSnapshot(shadow: Shadow, m: Extract<Message, { type: 'InstallSnapshot' }>): RequestProblem | null {
    const v = shadow.ref!.live;
    if (v.role !== 'leader' && !sentAsLeaderThisStep(shadow, m, v.term)) return { why: `it is ${v.role} in term ${v.term}, not leader, and sends no InstallSnapshot`, expected: 'InstallSnapshot only from a leader' };
    if (v.snapshotIndex === 0) return { why: 'it has taken no snapshot', expected: 'InstallSnapshot only of the snapshot it holds' };
    const want = { term: v.term, leaderId: shadow.id, lastIncludedIndex: v.snapshotIndex, lastIncludedTerm: v.snapshotTerm, value: v.snapshotValue };
    const diffs = diffFields(m, want, ['term', 'leaderId', 'lastIncludedIndex', 'lastIncludedTerm', 'value']);
    // With membership, the configuration it carries (revision 1.5): the one in effect at its last index.
    const config = v.snapshotConfig;
    if (JSON.stringify(m.config) !== JSON.stringify(config)) diffs.push({ field: 'config', seen: m.config ?? null, want: config ? JSON.stringify(config) : 'none' });
    return diffs.length > 0 ? { diffs, expected: JSON.stringify(config ? { ...want, config } : want) } : null;
  }

  /** Why the reference could not send this RequestVote now: its role, or the fields that differ. */
  private badRequestVote(shadow: Shadow, m: Extract<Message, { type: 'RequestVote' }>): RequestProblem | null {
    const v = shadow.ref!.live;
    if (v.role !== 'candidate') return { why: `it is ${v.role} in term ${v.term}, not a candidate, and sends no RequestVote`, expected: 'RequestVote only from a candidate' };
    const want = { term: v.term, candidateId: shadow.id, lastLogIndex: v.lastLogIndex, lastLogTerm: v.lastLogTerm };
    const diffs = diffFields(m, want, ['term', 'candidateId', 'lastLogIndex', 'lastLogTerm']);
    // A transfer's flag lets the request past leases: only an election TimeoutNow started carries it.
    if (m.leadershipTransfer === true && !v.electionByTransfer) diffs.push({ field: 'leadershipTransfer', seen: true, want: '', phrase: 'no leadershipTransfer (TimeoutNow did not start this election)' });
    return diffs.length > 0 ? { diffs, expected: JSON.stringify(want), aboutLog: diffs.some((d) => d.field === 'lastLogIndex' || d.field === 'lastLogTerm') } : null;
  }

  /** Why the reference could not send this AppendEntries now: its role, or the first fields that differ. */
  private badAppendEntries(shadow: Shadow, m: Extract<Message, { type: 'AppendEntries' }>): RequestProblem | null {
    const v = shadow.ref!.live;
    // A leader that steps down at the end of a step without a new term (feature `membership`: its
    // removal committed) sent that step's AppendEntries as leader: the reference's own, to that peer.
    if (v.role !== 'leader' && !sentAsLeaderThisStep(shadow, m, v.term)) return { why: `it is ${v.role} in term ${v.term}, not leader, and sends no AppendEntries`, expected: 'AppendEntries only from a leader' };
    const head = diffFields(m, { term: v.term, leaderId: shadow.id }, ['term', 'leaderId']);
    if (head.length > 0) return { diffs: head, expected: `term ${v.term}, leaderId ${shadow.id}` };
    const log = v.log;
    if (m.prevLogIndex > log.lastIndex) {
      return { diffs: [{ field: 'prevLogIndex', seen: m.prevLogIndex, want: `${log.lastIndex} or less (its last log index)` }], expected: `prevLogIndex ≤ ${log.lastIndex}`, aboutLog: true };
    }
    const own = log.termAt(m.prevLogIndex);
    if (own !== m.prevLogTerm) {
      return { diffs: [{ field: 'prevLogTerm', seen: m.prevLogTerm, want: `${own} (the term of its entry ${m.prevLogIndex})` }], expected: `prevLogTerm ${own} at prevLogIndex ${m.prevLogIndex}`, aboutLog: true };
    }
    const k = firstForeignEntry(log, m.prevLogIndex, m.entries);
    if (k >= 0) {
      const index = m.prevLogIndex + 1 + k;
      const mine = log.entry(index);
      const diffs: FieldDiff[] = [mine
        ? { field: `entry ${index}`, seen: showEntry(m.entries[k]!), want: showEntry(mine) }
        : { field: `entry ${index}`, seen: showEntry(m.entries[k]!), want: '', phrase: `no entry ${index} (its log ends at index ${log.lastIndex})` }];
      return { diffs, expected: JSON.stringify(log.slice(m.prevLogIndex + 1, m.entries.length)), aboutLog: true };
    }
    if (m.leaderCommit > v.commitIndex) {
      return { diffs: [{ field: 'leaderCommit', seen: m.leaderCommit, want: `${v.commitIndex} or less (its commitIndex)` }], expected: `leaderCommit ≤ ${v.commitIndex}`, aboutLog: true };
    }
    return null;
  }

  /**
   * A logged state against the reference's: `want` for the fields that must be equal; commitIndex
   * and lastApplied may lag (a node commits and applies when it likes, within a step or later)
   * but never lead `bound`, the reference after the same inputs, nor go past the end of the log.
   */
  private checkState(shadow: Shadow, seen: NodeState, want: NodeFacts, bound: Pick<StateSummary, (typeof LAGGING_FIELDS)[number]>, line: number): void {
    // Hot path: plain field reads; the loops below (by field name) run only when something differs.
    if (
      (seen.role === undefined || seen.role === want.role) && (seen.term === undefined || seen.term === want.term) &&
      (seen.votedFor === undefined || seen.votedFor === want.votedFor) && (seen.lastLogIndex === undefined || seen.lastLogIndex === want.lastLogIndex) &&
      (seen.lastLogTerm === undefined || seen.lastLogTerm === want.lastLogTerm) &&
      (seen.commitIndex === undefined || (seen.commitIndex <= bound.commitIndex && seen.commitIndex <= want.lastLogIndex)) &&
      (seen.lastApplied === undefined || (seen.lastApplied <= bound.lastApplied && seen.lastApplied <= want.lastLogIndex))
    ) return;
    let diffs: string[] | null = null;
    for (const field of EXACT_FIELDS) {
      const s = seen[field];
      if (s !== undefined && s !== want[field]) (diffs ??= []).push(`${field} ${JSON.stringify(s)} (reference: ${JSON.stringify(want[field])})`);
    }
    for (const field of LAGGING_FIELDS) {
      const s = seen[field];
      if (s !== undefined && s > bound[field]) (diffs ??= []).push(`${field} ${s} ahead of the reference's ${bound[field]}`);
      else if (s !== undefined && s > want.lastLogIndex) (diffs ??= []).push(`${field} ${s} beyond the last log index ${want.lastLogIndex}`);
    }
    if (diffs) {
      const aboutLog = diffs.some((d) => !/^(role|term|votedFor) /.test(d));
      this.fail('conformance.state', shadow, line, `${shadow.id}'s logged state disagrees with the reference: ${diffs.join('; ')}`,
        JSON.stringify({ role: want.role, term: want.term, votedFor: want.votedFor, commitIndex: bound.commitIndex, lastLogIndex: want.lastLogIndex, lastLogTerm: want.lastLogTerm }), JSON.stringify(seen), aboutLog);
    }
  }

  /** End of trace: an unfinished step is not an error (the trace may stop anywhere). */
  finish(): void {}
}
