/**
 * Checks the cluster invariants of spec/invariants.md on one streaming pass over a trace.
 *
 * It rebuilds what each node knows (role, term, vote, commitIndex, log) from the events and,
 * where present, the logged post-states, and keeps a few cluster-wide facts (the leader of
 * each term, every (index, term) seen with its prefix hash, the committed prefix, the entries
 * applied). Each event is checked in O(1) amortised time, apart from the entries it carries.
 * A fact a trace does not log (for example a log without append events) leaves the rules that
 * need it unconstrained: what a producer may leave out is in spec/TRACE_FORMAT.md ("What a
 * trace may leave out"), and every rule here draws only on what is logged. In particular:
 * - a node's term is known once it logs a term (a `term` event, a state's `term`, a restart's
 *   `persisted`); votes and leaderships of a node whose term is unknown are not attributed to
 *   a term;
 * - a node's log is followed exactly only while it logs its log changes (`append`/`truncate`:
 *   all of them, or none); a full log (`state.log`, `persisted.log`) of a node that logs none
 *   is true on its own line only;
 * - applies and commits may be logged with gaps: the order of applies and "applied only up to
 *   commitIndex" are judged from the applies and commitIndex values that are logged.
 */
import type { Command, Entry, Header, NodeState, RegisterState, Role, Snapshot, TraceEvent } from '../../../src/trace/schema.js';
import { describeEntry } from '../describe-entry.js';
import { chainHash, commandKey, sameCommand, sameEntry } from '../entry-hash.js';
import { flat } from '../flat-string.js';
import { ForgetfulArray } from '../forgetful-array.js';
import { NodeLog } from '../node-log.js';
import type { Report, Violation } from '../violation.js';
import { APPLIED_VALUE_RULE, RegisterValues } from './register-values.js';

/** Rule id: a logged state agrees with the node's own logged events. */
export const STATE_CONSISTENT_RULE = 'state-consistent';

/**
 * The first index where an append at `index` conflicts with `log` (another entry there), or null.
 * Figure 2 (AppendEntries 3-4): a conflicting entry and all that follow it are deleted before the
 * new ones are appended; entries that match stay, and so do those after the batch. (Writing an
 * entry again as it was deletes nothing.)
 */
function firstConflict(log: NodeLog, index: number, entries: readonly Entry[]): number | null {
  const last = index + entries.length - 1;
  for (let i = index; i <= Math.min(last, log.lastIndex); i++) if (!sameEntry(log.entry(i)!, entries[i - index]!)) return i;
  return null;
}

/** "term 1: set 4 became term 2: set 5", or "term 1: set 4 deleted". */
function describeChange(old: Entry, replacement: Entry | undefined): string {
  return replacement ? `${describeEntry(old)} became ${describeEntry(replacement)}` : `${describeEntry(old)} deleted`;
}

interface NodeModel {
  id: string;
  alive: boolean;
  role: Role;
  term: number;
  /** True once the node logged a term event: it logs its term changes (all of them), so `term` follows it exactly. */
  logsTerms: boolean;
  /** Line of the last term logged otherwise (a state's term, a restart's persisted term): without `logsTerms`, `term` is true on that line only. */
  termLine: number;
  /** True once the node logged a role event: it logs its role changes, so `role` follows it exactly. */
  logsRoles: boolean;
  /** The line where the model's term last changed. */
  termChangedLine: number;
  /** True once the node logged a vote event: it logs its votes. */
  logsVotes: boolean;
  votedFor: string | null;
  /** The highest commitIndex logged since the last restart (a commit event or a state's field): a lower bound of the node's. */
  commitIndex: number;
  /** The highest index the node is known to have applied since the last restart (an apply, or a state's lastApplied). */
  lastApplied: number;
  /** The highest index of an `apply` logged since the last restart, and its line (0: none). */
  appliedIndex: number;
  appliedLine: number;
  /** The line of the apply last reported beyond a later logged commitIndex (each is reported once). */
  appliedReported: number;
  log: NodeLog;
  /** True once the trace told us about this node's log (append/truncate events or a full log), until a gap. */
  logKnown: boolean;
  /** True once the node logged an append or a truncate: it logs its log changes (all of them), so `log` follows it exactly. */
  logsChanges: boolean;
  /** Line of the last full log the node logged (state.log, persisted.log): without `logsChanges`, `log` is true on that line only. */
  snapshotLine: number;
  /** The last log index the node's logged state reported, and on which line (for traces that log no entries). */
  reportedLastIndex: number | null;
  reportedLine: number;
  /** Highest index the node acknowledged (successful AppendEntriesResponse) and has not deleted since. */
  acked: number;
  ackedLine: number;
  /** Entries 1..recovered were recovered by the last restart (so they were on stable storage) and not deleted since; with its line. */
  recovered: number;
  recoveredLine: number;
  /** Votes cast, by term (persistent: survives crashes). */
  votes: Map<number, { votedFor: string; line: number }>;
  /** Term the node was leader in, while it is leader. */
  leaderTerm: number | null;
  /** Line where the node took its current role and term. */
  roleLine: number;
  /** Feature `snapshot`: the newest snapshot the node took or installed since it started, and where (0: none). */
  snapshotIndex: number;
  snapshotTakenLine: number;
  /** Feature `snapshot`: the snapshot it restarted from: it applies nothing at or under it until its next restart. */
  resumedFrom: number;
  /** This model's part of `historyKey` under the identity renaming, once written (reset by every event of the node). */
  keyPart: string | undefined;
  /** `log` and `votes` are shared with the model this one was copied from (copy-on-write: `writableLog`, `writableVotes`). */
  logShared: boolean;
  votesShared: boolean;
}

interface SeenEntry {
  term: number;
  hash: number;
  node: string;
  line: number;
  /** The same index with another term (conflicting logs, before one is repaired). */
  other: SeenEntry | null;
}

interface Committed {
  /** Highest committed index known, the prefix hash there, and the commit that established it. */
  index: number;
  hash: number;
  /** The committing node's term (null: not known, see `termKnown`). */
  term: number | null;
  node: string;
  line: number;
}

export interface ClusterInvariantOptions {
  /** Rule ids to check (default: all). */
  enabled?: ReadonlySet<string>;
  /**
   * Feature `snapshot`: forget what every node has compacted (default true). Off, the checker
   * keeps every log whole and every per-index fact: the slow, obvious version that the
   * differential test (test/snapshot-forgetting-differential.test.ts) compares with.
   */
  forgetCompacted?: boolean;
}

/** The parts of a ClusterInvariants that clones share (copy-on-write). */
const NODES = 1;
const LEADERS = 2;
const SEEN = 4;
const COMMITS = 8;
const APPLIED = 16;
const ALL_PARTS = NODES | LEADERS | SEEN | COMMITS | APPLIED;
/** No node model owned (the list is replaced, never pushed to). */
const NONE_OWNED: NodeModel[] = [];
const CLONE_HEADER: Header = { kind: 'header', format: 'raftcheck-trace', version: 1, nodes: [], producer: { name: 'clone', version: '0' } };

export class ClusterInvariants {
  // The parts below are set by the constructor: afresh, or shared with the original of a clone (no empty ones made to be replaced).
  private nodes: Map<string, NodeModel>;
  private leaders: Map<number, { node: string; line: number }>;
  /**
   * Every (index, term) seen, by index: its prefix hash and where it was first seen (one per
   * term, usually one term). Arrays indexed by log index, here and for `applied`: indexes are
   * dense, and a Map of a hundred thousand numbers costs a cache miss per lookup.
   */
  private entriesSeen: ForgetfulArray<SeenEntry>;
  /** Every commit point recorded, in index order (kept short: only increases). */
  private commits: Committed[];
  /** Applied command per index, cluster-wide, with the node and line that applied it first (parallel arrays: no object per index). */
  private applied: ForgetfulArray<Command>;
  private appliedBy: ForgetfulArray<string>;
  private appliedLine: ForgetfulArray<number>;
  /** Feature `snapshot`: every node has compacted its log through this index; the facts under it are forgotten. */
  private floor: number;
  private readonly enabled: ReadonlySet<string> | undefined;
  private readonly forget: boolean;
  /** The line being checked, and its event's state (what is known "right now"). */
  private line = 0;
  private eventState: NodeState | undefined;
  /** The register's values (rule applied-value), when that rule is on. */
  private register: RegisterValues | null;
  /**
   * Copy-on-write (`clone`): the parts whose bit is set are shared with a clone and copied
   * before their first change (a step of `raftcheck explore` changes one node's model and
   * rarely more). A node's model is shared unless it is in `ownModels` (null: never cloned).
   */
  private shared: number;
  /** The cluster-wide part of `historyKey` (leaders, entries seen, commits, applied), once written; shared by clones until a part changes. */
  private sharedKeyPart: string | undefined;
  private ownModels: NodeModel[] | null;

  /** `original`: a clone's (see `clone`), whose parts it shares; the header is then not read. */
  constructor(header: Header, private readonly report: Report, options: ClusterInvariantOptions = {}, original?: ClusterInvariants) {
    this.enabled = options.enabled;
    this.forget = options.forgetCompacted ?? true;
    if (original) {
      // Every part is shared, both ways (the original may go on too): whichever changes a part first copies it.
      this.nodes = original.nodes;
      this.leaders = original.leaders;
      // SeenEntry chains are never mutated once linked: shared even when the array is copied.
      this.entriesSeen = original.entriesSeen;
      this.commits = original.commits;
      this.applied = original.applied;
      this.appliedBy = original.appliedBy;
      this.appliedLine = original.appliedLine;
      // How far every node has compacted (snapshot feature): a clone forgets nothing its original has not.
      this.floor = original.floor;
      this.shared = original.shared = ALL_PARTS;
      this.sharedKeyPart = original.sharedKeyPart;
      this.ownModels = original.ownModels = NONE_OWNED;
      this.register = original.register ? original.register.clone((v) => this.fail(v)) : null;
      return;
    }
    this.nodes = new Map();
    this.leaders = new Map();
    this.entriesSeen = new ForgetfulArray();
    this.commits = [];
    this.applied = new ForgetfulArray();
    this.appliedBy = new ForgetfulArray();
    this.appliedLine = new ForgetfulArray();
    this.floor = 0;
    this.shared = 0;
    this.sharedKeyPart = undefined;
    this.ownModels = null;
    // The register's values serve applied-value and snapshot.value (feature `snapshot`); each reports only if on.
    this.register = this.on(APPLIED_VALUE_RULE) || this.on('snapshot.value') ? new RegisterValues(header.nodes, (v) => this.fail(v)) : null;
    for (const id of header.nodes) {
      this.nodes.set(id, {
        id, alive: true, role: 'follower', term: 0, logsTerms: false, termLine: 0, logsRoles: false, termChangedLine: 0, logsVotes: false, votedFor: null, commitIndex: 0, lastApplied: 0, appliedIndex: 0, appliedLine: 0, appliedReported: 0,
        log: new NodeLog(), logKnown: false, logsChanges: false, snapshotLine: 0, reportedLastIndex: null, reportedLine: 0,
        acked: 0, ackedLine: 0, recovered: 0, recoveredLine: 0, votes: new Map(), leaderTerm: null, roleLine: 1,
        snapshotIndex: 0, snapshotTakenLine: 0, resumedFrom: 0, keyPart: undefined, logShared: false, votesShared: false,
      });
    }
  }

  private on(rule: string): boolean {
    return this.enabled === undefined || this.enabled.has(rule);
  }

  private fail(v: Violation): void {
    if (this.on(v.rule)) this.report(v);
  }

  /** Feeds one event (after schema-level checks) with its 1-based line number. */
  event(e: TraceEvent, line: number): void {
    if (!('node' in e) || e.node === undefined || e.kind === 'note') return;
    const n = this.writableNode(e.node);
    if (!n) return; // undeclared nodes are reported by the schema level
    n.keyPart = undefined; // the event may change the model: its part of historyKey is written again
    // The post-state's term is the term the event happened in (a role change, a vote...).
    this.line = line;
    this.eventState = e.state;
    if (e.state && e.kind !== 'restart') this.checkReportedFacts(n, e, e.state, line);
    if (e.kind !== 'restart' && e.state?.term !== undefined && e.state.term !== n.term) this.setTerm(n, e.state.term, line);
    if (e.kind !== 'restart' && e.state?.term !== undefined) n.termLine = line;
    if (e.state?.lastLogIndex !== undefined) {
      n.reportedLastIndex = e.state.lastLogIndex;
      n.reportedLine = line;
    }
    switch (e.kind) {
      case 'term':
        this.setTerm(n, e.term, line);
        n.logsTerms = true;
        break;
      case 'role':
        n.logsRoles = true;
        this.setRole(n, e.role, line);
        break;
      case 'vote':
        n.logsVotes = true;
        this.castVote(n, e.votedFor, line);
        break;
      case 'append':
        this.append(n, e.index, e.entries, line);
        break;
      case 'truncate':
        this.truncate(n, e.fromIndex, line);
        break;
      case 'commit':
        this.setCommit(n, e.commitIndex, line, true);
        break;
      case 'apply':
        // A node that applied another command than the cluster's follows another log: its
        // register is state-machine-safety's concern from then on, not applied-value's.
        if (this.apply(n, e.index, e.command, e.state, line)) this.register?.apply(n.id, e.index, e.command, e.value, e.result, line);
        else this.register?.diverge(n.id);
        break;
      case 'client_response':
        this.register?.answer(n.id, e.client, e.requestId, e.result, line);
        break;
      case 'send':
        // Acknowledging entries (or a snapshot through them) promises they are on stable storage (Figure 2, 13).
        if (((e.msg.type === 'AppendEntriesResponse' && e.msg.success) || e.msg.type === 'InstallSnapshotResponse') && e.msg.matchIndex !== undefined && e.msg.matchIndex > n.acked) {
          n.acked = e.msg.matchIndex;
          n.ackedLine = line;
        }
        // A vote granted is a vote cast for the candidate in the response's term (Figure 2: votedFor, then reply).
        if (e.msg.type === 'RequestVoteResponse' && e.msg.voteGranted) {
          this.recordVote(n, e.msg.term, e.msg.to, line, 'granted its vote');
          const s = e.state;
          if (s?.votedFor !== undefined && s.votedFor !== e.msg.to && (s.term ?? (this.termKnown(n) ? n.term : undefined)) === e.msg.term) {
            this.fail({
              rule: STATE_CONSISTENT_RULE, line, nodes: [n.id, e.msg.to], terms: [e.msg.term],
              message: `${n.id} granted its vote in term ${e.msg.term} to ${e.msg.to}, and its logged state has votedFor ${JSON.stringify(s.votedFor)}`,
              expected: `votedFor ${JSON.stringify(e.msg.to)}`, seen: `votedFor ${JSON.stringify(s.votedFor)}`,
            });
          }
        }
        break;
      case 'snapshot':
        this.snapshot(n, e, line);
        break;
      case 'install_snapshot':
        this.installSnapshot(n, e, line);
        break;
      case 'crash':
        n.alive = false;
        break;
      case 'restart': {
        this.restart(n, e, line);
        this.register?.restart(n.id);
        const s = e.persisted?.snapshot;
        if (s) this.register?.resume(n.id, s.index, s.value, line);
        break;
      }
      default:
        break;
    }
    if (e.state) {
      this.absorbState(n, e, e.state, line);
      this.register?.state(n.id, e.state, line);
    }
  }

  /** The node's term is `n.term` right now: it logs its term changes, or this line logs its term. */
  private termKnown(n: NodeModel): boolean {
    return n.logsTerms || n.termLine === this.line;
  }

  /** The node's term for a violation's `terms`, where known. */
  private termsOf(n: NodeModel): number[] {
    return this.termKnown(n) ? [n.term] : [];
  }

  /**
   * The node is leader right now (and has been since its term began, if it logs its terms): it
   * logs its role changes and the model says so, or this event's state says so.
   */
  private leading(n: NodeModel): boolean {
    return n.logsRoles ? n.role === 'leader' && n.leaderTerm !== null : this.eventState?.role === 'leader';
  }

  /**
   * The node's log is `n.log` right now: it logs its log changes (so none went unlogged since
   * the model was last known), or the model is a full log logged on this very line.
   */
  private logExact(n: NodeModel, line: number): boolean {
    return n.logKnown && (n.logsChanges || n.snapshotLine === line);
  }

  /** Takes the logged post-state as the truth about fields no event of this kind reports, after checking it against the node's own events. */
  private absorbState(n: NodeModel, e: TraceEvent, s: NodeState, line: number): void {
    if (s.term !== undefined && s.term !== n.term) this.setTerm(n, s.term, line);
    // A state whose term is new on this line may show the role the node is about to leave (a
    // leader adopting a higher term logs the term before it steps down): it says nothing about
    // being elected in that term. (An input's state is the one before its step: never midway.)
    const midStep = s.role === 'leader' && n.termChangedLine === line && e.kind !== 'receive' && e.kind !== 'timeout' && e.kind !== 'client_request';
    if (s.role !== undefined && s.role !== n.role && !midStep) this.setRole(n, s.role, line);
    if (s.votedFor !== undefined && s.votedFor !== null && s.votedFor !== n.votedFor) this.castVote(n, s.votedFor, line);
    if (s.log !== undefined) this.replaceLog(n, s.log, line);
    else this.checkReportedLog(n, s, line);
    if (s.commitIndex !== undefined && s.commitIndex === n.commitIndex) this.checkAppliedWithin(n, s.commitIndex, line);
    if (s.commitIndex !== undefined && s.commitIndex !== n.commitIndex) this.setCommit(n, s.commitIndex, line);
    this.checkStateIndexes(n, e, s, line);
    if (s.lastApplied !== undefined && s.lastApplied > n.lastApplied) n.lastApplied = s.lastApplied;
  }

  /**
   * A state's term, role and vote are those the node's own events leave it with, where it logs
   * that kind of change (a term event's state shows its term, a role event's its role, a vote
   * event's its vote). Checked before the state is taken in.
   */
  private checkReportedFacts(n: NodeModel, e: TraceEvent, s: NodeState, line: number): void {
    const term = e.kind === 'term' ? e.term : n.logsTerms ? n.term : undefined;
    const role = e.kind === 'role' ? e.role : n.logsRoles ? n.role : undefined;
    const votedFor = e.kind === 'vote' ? e.votedFor : n.logsVotes && n.logsTerms && e.kind !== 'term' ? n.votedFor : undefined;
    const diffs: string[] = [];
    if (s.term !== undefined && term !== undefined && s.term !== term) diffs.push(`term ${s.term} (its events: ${term})`);
    if (s.role !== undefined && role !== undefined && s.role !== role) diffs.push(`role ${s.role} (its events: ${role})`);
    if (s.votedFor !== undefined && votedFor !== undefined && s.votedFor !== votedFor) diffs.push(`votedFor ${JSON.stringify(s.votedFor)} (its events: ${JSON.stringify(votedFor)})`);
    if (diffs.length === 0) return;
    this.fail({
      rule: STATE_CONSISTENT_RULE, line, nodes: [n.id], terms: this.termsOf(n),
      message: `${n.id}'s logged state disagrees with its own term, role and vote events: ${diffs.join('; ')}`,
      expected: JSON.stringify({ term, role, votedFor }), seen: JSON.stringify({ term: s.term, role: s.role, votedFor: s.votedFor }),
    });
  }

  /** A state's last log index and term are those of the log the node's own append and truncate events built, where it logs them. */
  private checkReportedLog(n: NodeModel, s: NodeState, line: number): void {
    if ((s.lastLogIndex === undefined && s.lastLogTerm === undefined) || !n.logsChanges || !n.logKnown) return;
    const wrongIndex = s.lastLogIndex !== undefined && s.lastLogIndex !== n.log.lastIndex;
    const wrongTerm = s.lastLogTerm !== undefined && s.lastLogTerm !== n.log.lastTerm;
    if (!wrongIndex && !wrongTerm) return;
    const seen = [...(s.lastLogIndex !== undefined ? [`lastLogIndex ${s.lastLogIndex}`] : []), ...(s.lastLogTerm !== undefined ? [`lastLogTerm ${s.lastLogTerm}`] : [])].join(', ');
    this.fail({
      rule: STATE_CONSISTENT_RULE, line, nodes: [n.id], terms: this.termsOf(n),
      message: `${n.id}'s logged state has ${seen}, but its own append and truncate events leave its log ending at index ${n.log.lastIndex}, term ${n.log.lastTerm}`,
      expected: `lastLogIndex ${n.log.lastIndex}, lastLogTerm ${n.log.lastTerm}`, seen,
    });
    // Its own word from now on: the events left something out.
    n.logKnown = false;
  }

  /**
   * A state's commitIndex and lastApplied against each other, its log and the node's applies:
   * lastApplied is the index of an apply it comes with, never below an index the node applied
   * since its restart, never beyond commitIndex (state-machine-safety); neither goes past the
   * last log index.
   */
  private checkStateIndexes(n: NodeModel, e: TraceEvent, s: NodeState, line: number): void {
    // Runs on every logged state: nothing is allocated unless something is wrong.
    if (s.lastApplied !== undefined) {
      if (e.kind === 'apply' && s.lastApplied !== e.index) {
        return this.stateInconsistent(n, line, `${n.id} applied index ${e.index}, and its logged state has lastApplied ${s.lastApplied}`, `lastApplied ${e.index}`, `lastApplied ${s.lastApplied}`);
      }
      if (e.kind !== 'apply' && s.lastApplied < n.appliedIndex) {
        return this.stateInconsistent(n, line, `${n.id}'s logged state has lastApplied ${s.lastApplied}, but it applied index ${n.appliedIndex} (line ${n.appliedLine}) since its last restart`,
          `lastApplied ≥ ${n.appliedIndex}`, `lastApplied ${s.lastApplied}`, [n.appliedLine]);
      }
      // (At an apply, `apply` compares the index with the state's commitIndex.)
      if (e.kind !== 'apply' && s.commitIndex !== undefined && s.lastApplied > s.commitIndex) {
        this.fail({
          rule: 'state-machine-safety', line, nodes: [n.id], terms: this.termsOf(n),
          message: `${n.id}'s logged state has lastApplied ${s.lastApplied} beyond its commitIndex ${s.commitIndex}`,
          expected: `lastApplied ≤ commitIndex ${s.commitIndex}`, seen: `lastApplied ${s.lastApplied}`,
        });
        return;
      }
    }
    const last = s.lastLogIndex ?? (s.log ? s.log.length : undefined);
    if (last === undefined) return;
    if (s.commitIndex !== undefined && s.commitIndex > last) return this.beyondLog(n, line, 'commitIndex', s.commitIndex, last);
    if (s.lastApplied !== undefined && s.lastApplied > last) return this.beyondLog(n, line, 'lastApplied', s.lastApplied, last);
  }

  private beyondLog(n: NodeModel, line: number, field: 'commitIndex' | 'lastApplied', v: number, last: number): void {
    this.stateInconsistent(n, line, `${n.id}'s logged state has ${field} ${v} beyond its last log index ${last}`, `${field} ≤ ${last}`, `${field} ${v}`);
  }

  private stateInconsistent(n: NodeModel, line: number, message: string, expected: string, seen: string, related: number[] = []): void {
    this.fail({ rule: STATE_CONSISTENT_RULE, line, nodes: [n.id], terms: this.termsOf(n), message, expected, seen, related });
  }

  private setTerm(n: NodeModel, term: number, line: number): void {
    if (term < n.term) {
      this.fail({
        rule: 'term-monotonic', line, nodes: [n.id], terms: [n.term, term],
        message: `${n.id}'s currentTerm went back from ${n.term} to ${term}`,
        expected: `a term ≥ ${n.term}`, seen: `term ${term}`,
      });
    }
    if (term !== n.term) {
      n.term = term;
      n.termChangedLine = line;
      n.votedFor = n.votes.get(term)?.votedFor ?? null;
      if (n.leaderTerm !== null && n.leaderTerm !== term) n.leaderTerm = null;
    }
  }

  private setRole(n: NodeModel, role: Role, line: number): void {
    n.role = role;
    n.roleLine = line;
    if (role !== 'leader') {
      n.leaderTerm = null;
      return;
    }
    n.leaderTerm = n.term;
    // Leaders are counted per term: a node whose term is not logged leads in a term we do not know.
    if (!this.termKnown(n)) return;
    const previous = this.leaders.get(n.term);
    if (previous && previous.node !== n.id) {
      this.fail({
        rule: 'election-safety', line, nodes: [previous.node, n.id], terms: [n.term],
        message: `two leaders in term ${n.term}: ${previous.node} (line ${previous.line}) and ${n.id}`,
        expected: `at most one leader in term ${n.term}`, seen: `${n.id} became leader too`, related: [previous.line],
      });
    } else if (!previous) {
      this.own(LEADERS);
      this.leaders.set(n.term, { node: n.id, line });
    }
    this.checkLeaderCompleteness(n, line);
  }

  private checkLeaderCompleteness(n: NodeModel, line: number): void {
    const earlier = (c: Committed) => c.term !== null && c.term < n.term;
    if (!this.logExact(n, line)) {
      // Without its entries, the log length reported on this line still shows a leader missing committed ones.
      const top = this.commits.findLast(earlier);
      if (top && n.reportedLastIndex !== null && n.reportedLine === line && n.reportedLastIndex < top.index) {
        this.fail({
          rule: 'leader-completeness', line, nodes: [n.id, top.node], terms: [top.term!, n.term],
          message: `${n.id} became leader of term ${n.term} with ${n.reportedLastIndex} log entries, without the entry at index ${top.index} committed in term ${top.term} (by ${top.node}, line ${top.line})`,
          expected: `a log holding the committed prefix up to index ${top.index}`, seen: `a log ending at index ${n.reportedLastIndex}`, related: [top.line],
        });
      }
      return;
    }
    // The highest commit established in an earlier term must be in the new leader's log.
    const c = this.commits.findLast(earlier);
    // Under the node's snapshot, the entries are known by their prefix hash no more: rule snapshot.committed checked that the snapshot is the committed prefix.
    if (c && c.index >= n.log.base && n.log.prefixHash(c.index) !== c.hash) {
      this.fail({
        rule: 'leader-completeness', line, nodes: [n.id, c.node], terms: [c.term!, n.term],
        message: `${n.id} became leader of term ${n.term} without the entry at index ${c.index} committed in term ${c.term} (by ${c.node}, line ${c.line})`,
        expected: `a log holding the committed prefix up to index ${c.index}`,
        seen: n.log.lastIndex < c.index ? `a log ending at index ${n.log.lastIndex}` : `a different entry at or before index ${c.index}`,
        related: [c.line],
      });
    }
  }

  private castVote(n: NodeModel, votedFor: string, line: number): void {
    n.votedFor = votedFor;
    // Votes are counted per term: a node whose term is not logged votes in a term we do not know.
    if (this.termKnown(n)) this.recordVote(n, n.term, votedFor, line, 'voted');
  }

  /** The node voted for `votedFor` in `term` (a vote, or a vote granted in a response): at most one candidate per term. */
  private recordVote(n: NodeModel, term: number, votedFor: string, line: number, how: 'voted' | 'granted its vote'): void {
    const earlier = n.votes.get(term);
    if (earlier && earlier.votedFor !== votedFor) {
      this.fail({
        rule: 'vote-once', line, nodes: [n.id, earlier.votedFor, votedFor], terms: [term],
        message: how === 'voted'
          ? `${n.id} voted twice in term ${term}: for ${earlier.votedFor} (line ${earlier.line}) and for ${votedFor}`
          : `${n.id} granted its vote in term ${term} to ${votedFor}, but it had voted for ${earlier.votedFor} in that term (line ${earlier.line})`,
        expected: `no vote other than ${earlier.votedFor} in term ${term}`, seen: `a vote for ${votedFor}`, related: [earlier.line],
      });
    }
    if (!earlier) this.writableVotes(n).set(term, { votedFor, line });
  }

  private append(n: NodeModel, index: number, entries: readonly Entry[], line: number): void {
    // The node logs its log changes: the model, where known, is its log (none went unlogged).
    n.logsChanges = true;
    if (!n.logKnown && n.snapshotLine === 0 && n.log.lastIndex === 0) n.logKnown = true; // the log it started with, empty
    if (!n.logKnown || index > n.log.lastIndex + 1) {
      // A gap (earlier appends not logged), or a log not known: nothing below can be trusted for this node.
      n.logKnown = false;
      return;
    }
    const last = index + entries.length - 1;
    const conflict = firstConflict(n.log, index, entries);
    if (conflict !== null) {
      // The entry there and all after it go (their acknowledgement and durability with them).
      this.checkDeletion(n, conflict, line, 'overwrote', entries[conflict - index]);
      n.acked = Math.min(n.acked, conflict - 1);
      n.recovered = Math.min(n.recovered, conflict - 1);
    }
    const from = conflict ?? n.log.lastIndex + 1;
    if (from > last) return; // entries it already has, as they are
    this.writableLog(n).append(from, entries.slice(from - index));
    this.recordEntries(n, from, last, line);
  }

  private truncate(n: NodeModel, fromIndex: number, line: number): void {
    // (Only appends say that the node logs its log changes: in Raft a truncation is followed by
    // an append at the same index, which replaces what follows it anyway.)
    if (this.logExact(n, line) && fromIndex <= n.log.lastIndex) this.checkDeletion(n, fromIndex, line, 'deleted');
    n.acked = Math.min(n.acked, fromIndex - 1);
    n.recovered = Math.min(n.recovered, fromIndex - 1);
    this.writableLog(n).truncate(fromIndex);
  }

  private replaceLog(n: NodeModel, entries: readonly Entry[], line: number): void {
    // A full logged log: compare with what the events built, and adopt it.
    const exact = n.logsChanges && n.logKnown;
    let same = n.logKnown && entries.length === n.log.lastIndex;
    if (same) {
      const copy = new NodeLog();
      copy.replace(entries);
      same = copy.prefixHash(entries.length) === n.log.prefixHash(n.log.lastIndex);
    }
    n.snapshotLine = line;
    if (same) return;
    if (exact) {
      // The node logs its log changes, yet its logged log is another: one of the two is wrong.
      let common = 0;
      while (common < entries.length && common < n.log.lastIndex && sameEntry(entries[common]!, n.log.entry(common + 1)!)) common++;
      const k = common + 1;
      const mine = n.log.entry(k);
      const theirs = entries[common];
      this.fail({
        rule: STATE_CONSISTENT_RULE, line, nodes: [n.id], terms: this.termsOf(n),
        message: `${n.id}'s logged log has ${entries.length} entries and differs at index ${k} from the log its own append and truncate events built (${n.log.lastIndex} entries): entry ${k} is ${theirs ? describeEntry(theirs) : 'missing'} in the state, ${mine ? describeEntry(mine) : 'missing'} by the events`,
        expected: `the log of ${n.log.lastIndex} entries its events built`, seen: `a logged log of ${entries.length} entries`,
      });
      n.acked = Math.min(n.acked, common);
      n.recovered = Math.min(n.recovered, common);
    } else if (n.logsChanges) {
      n.acked = 0;
      n.recovered = 0;
    }
    this.writableLog(n).replace(entries);
    n.logKnown = true;
    this.recordEntries(n, 1, entries.length, line);
  }

  /**
   * Entries from `fromIndex` on are about to go (the first replaced by `replacement`, if any):
   * a leader never does that, and committed entries never go.
   */
  private checkDeletion(n: NodeModel, fromIndex: number, line: number, verb: string, replacement?: Entry): void {
    const change = describeChange(n.log.entry(fromIndex)!, replacement);
    if (this.leading(n)) {
      this.fail({
        rule: 'leader-append-only', line, nodes: [n.id], terms: [n.term],
        message: `leader ${n.id} ${verb} entries of its own log from index ${fromIndex} in term ${n.term} (${change})`,
        expected: 'a leader only appends', seen: `entries ${fromIndex}..${n.log.lastIndex} ${verb}`, related: [n.roleLine],
      });
    }
    const c = this.highestCommit();
    const had = n.log.prefixHash(fromIndex);
    if (c && fromIndex <= c.index && had !== undefined && had === this.committedHashAt(fromIndex, c)) {
      this.fail({
        rule: 'committed-durable', line, nodes: [n.id, c.node], terms: c.term !== null ? [n.term, c.term] : [n.term],
        message: `${n.id} ${verb} the committed entry at index ${fromIndex}: ${change} (committed up to index ${c.index} by ${c.node}, line ${c.line})`,
        expected: `entry ${fromIndex} kept: ${describeEntry(n.log.entry(fromIndex)!)}`,
        seen: replacement ? `entry ${fromIndex}: ${describeEntry(replacement)}` : `entries ${fromIndex}..${n.log.lastIndex} ${verb}`, related: [c.line],
      });
    }
  }

  /** The prefix hash at `index` of the committed log, when the node's own log agrees up to c. */
  private committedHashAt(index: number, c: Committed): number | undefined {
    // Commits record only their highest index; a lower index is committed too, and its hash
    // is whatever a log matching the committed prefix has there.
    return this.committedLog(c)?.log.prefixHash(index);
  }

  /** A node whose log holds the prefix committed by `c`, if any still does (a committed prefix, once held, is held as long as the model says so: it is never deleted). */
  private committedLog(c: Committed): NodeModel | undefined {
    for (const node of this.nodes.values()) if (node.logKnown && node.log.prefixHash(c.index) === c.hash) return node;
    return undefined;
  }

  /** How many of the first entries of `log` are the committed ones (up to the highest commit). */
  private committedPrefixOf(log: NodeLog): number {
    const c = this.highestCommit();
    const witness = c && this.committedLog(c);
    if (!c || !witness) return 0;
    const upTo = Math.min(c.index, log.lastIndex);
    const k = log.firstDifference(witness.log, upTo);
    return k === null ? upTo : k - 1;
  }

  /** For a message: ": entry 2 is term 1: set 2 on n1, term 1: set 7 on n3", the first entry up to `upTo` where two logs differ. */
  private firstDifferingEntry(n: NodeModel, m: NodeModel | undefined, upTo: number): string {
    const k = m ? n.log.firstDifference(m.log, upTo) : null;
    if (!m || k === null) return '';
    const mine = n.log.entry(k);
    const theirs = m.log.entry(k);
    return `: entry ${k} is ${mine ? describeEntry(mine) : 'missing'} on ${n.id}, ${theirs ? describeEntry(theirs) : 'missing'} on ${m.id}`;
  }

  private recordEntries(n: NodeModel, from: number, to: number, line: number): void {
    for (let i = from; i <= to; i++) {
      const term = n.log.termAt(i)!;
      const hash = n.log.prefixHash(i)!;
      const first = this.entriesSeen.get(i);
      let seen: SeenEntry | null | undefined = first;
      while (seen && seen.term !== term) seen = seen.other;
      if (!seen) {
        this.own(SEEN);
        this.entriesSeen.set(i, { term, hash, node: n.id, line, other: first ?? null });
      } else if (seen.hash !== hash) {
        const other = this.nodes.get(seen.node);
        const where = other && other.logKnown && other.log.prefixHash(i) === seen.hash ? this.firstDifferingEntry(n, other, i) : '';
        this.fail({
          rule: 'log-matching', line, nodes: [seen.node, n.id], terms: [term],
          // The same node at two times (its log was rewritten under an entry of the same term) reads as such, not as "n2 and n2".
          message: seen.node === n.id
            ? `${n.id} has an entry of term ${term} at index ${i}, as it had at line ${seen.line}, but its log now differs from then at or before it`
            : `${n.id} and ${seen.node} (line ${seen.line}) both have an entry of term ${term} at index ${i}, but their logs differ at or before it${where}`,
          expected: `the same entries 1..${i} as ${seen.node}`, seen: 'a different prefix', related: [seen.line],
        });
        return;
      }
    }
  }

  private highestCommit(): Committed | undefined {
    return this.commits.at(-1);
  }

  /**
   * The node's commitIndex is `commitIndex` (from a commit event, `event`, or a logged state).
   * A commitIndex first seen in a state may have been reached earlier, unlogged: only a commit
   * event says when, so only it is held to commit-current-term.
   */
  private setCommit(n: NodeModel, commitIndex: number, line: number, event = false): void {
    if (commitIndex < n.commitIndex) {
      this.fail({
        rule: 'commit-monotonic', line, nodes: [n.id], terms: [n.term],
        message: `${n.id}'s commitIndex went back from ${n.commitIndex} to ${commitIndex} without a restart`,
        expected: `commitIndex ≥ ${n.commitIndex}`, seen: `commitIndex ${commitIndex}`,
      });
    } else {
      this.checkAppliedWithin(n, commitIndex, line);
    }
    const advanced = commitIndex > n.commitIndex;
    n.commitIndex = commitIndex;
    if (!advanced || !this.logExact(n, line)) return;
    if (commitIndex > n.log.lastIndex) return; // reported by conformance: committing beyond the log
    if (event && this.leading(n) && this.termKnown(n) && n.log.termAt(commitIndex) !== n.term) {
      this.fail({
        rule: 'commit-current-term', line, nodes: [n.id], terms: [n.term, n.log.termAt(commitIndex)!],
        message: `leader ${n.id} of term ${n.term} advanced commitIndex to ${commitIndex}, an entry of term ${n.log.termAt(commitIndex)}`,
        expected: `commit only up to an entry of term ${n.term} (Figure 8)`, seen: `commitIndex ${commitIndex} at an entry of term ${n.log.termAt(commitIndex)}`,
      });
    }
    const hash = n.log.prefixHash(commitIndex)!;
    const top = this.highestCommit();
    const terms = (t: number | null) => (this.termsOf(n)).concat(t !== null ? [t] : []);
    if (top && commitIndex <= top.index) {
      // Both prefixes are committed: they must agree up to the shorter one.
      const mine = n.log.prefixHash(commitIndex);
      const theirs = this.committedHashAt(commitIndex, top);
      if (theirs !== undefined && mine !== theirs) {
        this.fail({
          rule: 'state-machine-safety', line, nodes: [n.id, top.node], terms: terms(top.term),
          message: `${n.id} committed up to index ${commitIndex} a log that differs from the one ${top.node} committed (line ${top.line})${this.firstDifferingEntry(n, this.committedLog(top), commitIndex)}`,
          expected: 'one committed log prefix', seen: 'two different committed prefixes', related: [top.line],
        });
      }
      return;
    }
    // A commit under the node's snapshot: the snapshot rules compared the snapshot with it.
    if (top && top.index >= n.log.base && n.log.prefixHash(top.index) !== top.hash) {
      this.fail({
        rule: 'state-machine-safety', line, nodes: [n.id, top.node], terms: terms(top.term),
        message: `${n.id} committed up to index ${commitIndex} a log whose first ${top.index} entries differ from those ${top.node} committed (line ${top.line})${this.firstDifferingEntry(n, this.committedLog(top), top.index)}`,
        expected: 'one committed log prefix', seen: 'two different committed prefixes', related: [top.line],
      });
      return;
    }
    this.own(COMMITS);
    this.commits.push({ index: commitIndex, hash, term: this.termKnown(n) ? n.term : null, node: n.id, line });
  }

  /**
   * A commitIndex logged after an apply (commitIndex only grows until a restart) bounds the one
   * the node had when it applied: the index applied must be within it. Each apply is reported once.
   */
  private checkAppliedWithin(n: NodeModel, commitIndex: number, line: number): void {
    if (commitIndex >= n.appliedIndex || n.appliedLine === line || n.appliedReported === n.appliedLine || commitIndex < n.commitIndex) return;
    n.appliedReported = n.appliedLine;
    this.fail({
      rule: 'state-machine-safety', line, nodes: [n.id], terms: this.termsOf(n),
      message: `${n.id}'s commitIndex is ${commitIndex}, yet it applied index ${n.appliedIndex} (line ${n.appliedLine}) since its last restart: an entry applied before it was committed`,
      expected: `commitIndex ≥ ${n.appliedIndex}, the highest index applied`, seen: `commitIndex ${commitIndex}`, related: [n.appliedLine],
    });
  }

  /**
   * Checks one logged apply: applies go up in index order (gaps are applies not logged), and
   * only up to the commitIndex the apply's own state logs (a later one is checked in
   * setCommit). Returns false when the node applied another command at `index` than the first
   * node that applied it.
   */
  private apply(n: NodeModel, index: number, command: Entry['command'], state: NodeState | undefined, line: number): boolean {
    const terms = this.termsOf(n);
    if (index <= n.lastApplied) {
      this.fail({
        rule: 'state-machine-safety', line, nodes: [n.id], terms,
        message: `${n.id} applied index ${index} again or out of order: it had applied index ${n.lastApplied}${n.appliedIndex === n.lastApplied && n.appliedLine > 0 ? ` (line ${n.appliedLine})` : ''} since its last restart`,
        expected: `an index above ${n.lastApplied}`, seen: `apply index ${index}`, ...(n.appliedIndex === n.lastApplied && n.appliedLine > 0 ? { related: [n.appliedLine] } : {}),
      });
    } else if (state?.commitIndex !== undefined && index > state.commitIndex) {
      this.fail({
        rule: 'state-machine-safety', line, nodes: [n.id], terms,
        message: `${n.id} applied the entry at index ${index} while its commitIndex is ${state.commitIndex}`,
        expected: `apply at most commitIndex ${state.commitIndex}`, seen: `apply index ${index}`,
      });
    }
    n.lastApplied = Math.max(n.lastApplied, index);
    if (index <= n.resumedFrom) {
      this.fail({
        rule: 'snapshot.restart', line, nodes: [n.id], terms,
        message: `${n.id} applied index ${index}, which the snapshot through ${n.resumedFrom} it restarted from already holds`,
        expected: `apply from index ${n.resumedFrom + 1} on (the state machine restarts from the snapshot)`, seen: `apply index ${index}`,
      });
    }
    if (index > n.appliedIndex) {
      n.appliedIndex = index;
      n.appliedLine = line;
    }
    const earlier = this.applied.get(index);
    if (!earlier) {
      this.own(APPLIED);
      this.applied.set(index, command);
      this.appliedBy.set(index, n.id);
      this.appliedLine.set(index, line);
      return true;
    }
    if (!sameCommand(earlier, command)) {
      const by = this.appliedBy.get(index)!;
      const at = this.appliedLine.get(index)!;
      this.fail({
        rule: 'state-machine-safety', line, nodes: [by, n.id], terms,
        message: `${n.id} applied a different command at index ${index} than ${by} did (line ${at})`,
        expected: commandKey(earlier), seen: commandKey(command), related: [at],
      });
      return false;
    }
    return true;
  }

  private restart(n: NodeModel, e: Extract<TraceEvent, { kind: 'restart' }>, line: number): void {
    n.alive = true;
    n.role = 'follower';
    n.leaderTerm = null;
    n.roleLine = line;
    n.commitIndex = 0;
    n.lastApplied = 0;
    n.resumedFrom = 0;
    n.appliedIndex = 0;
    n.appliedLine = 0;
    const p = e.persisted;
    if (!p) {
      // What it recovered is not logged, but the length of its log may be.
      const length = e.state?.lastLogIndex ?? e.state?.log?.length;
      if (length !== undefined && n.logsChanges && n.logKnown && length < n.acked) {
        this.fail({
          rule: 'acknowledged-durable', line, nodes: [n.id], terms: this.termsOf(n),
          message: `${n.id} restarted with a log of ${length} entries, but it had acknowledged entries 1..${n.acked} (line ${n.ackedLine}), which it must have stored before answering`,
          expected: `a recovered log holding the acknowledged entries 1..${n.acked}`, seen: `${length} entries`, related: [n.ackedLine],
        });
        n.acked = 0;
      }
      // The node may have lost entries it had not stored: its log is not known any more.
      n.logKnown = false;
      return;
    }
    if (p.term < n.term) {
      this.fail({
        rule: 'term-monotonic', line, nodes: [n.id], terms: [n.term, p.term],
        message: `${n.id} restarted with term ${p.term}, below the term ${n.term} it had reached`,
        expected: `term ≥ ${n.term} (currentTerm is persistent)`, seen: `term ${p.term}`,
      });
    }
    const vote = n.votes.get(p.term);
    if (vote && p.votedFor !== vote.votedFor) {
      this.fail({
        rule: 'vote-once', line, nodes: [n.id], terms: [p.term],
        message: `${n.id} restarted in term ${p.term} with votedFor ${JSON.stringify(p.votedFor)}, but it had voted for ${vote.votedFor} in that term (line ${vote.line})`,
        expected: `votedFor ${vote.votedFor} (votedFor is persistent)`, seen: `votedFor ${JSON.stringify(p.votedFor)}`, related: [vote.line],
      });
    }
    n.term = Math.max(n.term, p.term);
    n.termLine = line;
    n.votedFor = p.votedFor;
    if (p.votedFor !== null && !n.votes.has(p.term)) this.writableVotes(n).set(p.term, { votedFor: p.votedFor, line });
    const s = p.snapshot;
    const recovered = s ? this.recoverWithSnapshot(n, s, p.log, e, line) : NodeLog.like(n.log, p.log);
    if (!recovered) {
      // A snapshot whose prefix the trace never showed: this node's log is unknown from here.
      n.log = new NodeLog();
      n.logShared = false;
      n.logKnown = false;
      return;
    }
    // What the node had at the crash is known only if it logs its log changes.
    const exact = n.logsChanges && n.logKnown;
    if (exact && !this.checkStored(n, recovered, line)) this.checkAcknowledged(n, recovered, line);
    // Its acknowledgements still bind where the recovered log has what it acknowledged.
    const kept = exact ? n.log.firstDifference(recovered, n.acked) : 0;
    n.acked = kept === null ? n.acked : Math.max(0, kept - 1);
    n.log = recovered;
    n.logShared = false;
    n.logKnown = true;
    n.snapshotLine = line;
    n.recovered = recovered.lastIndex;
    n.recoveredLine = line;
    this.recordEntries(n, recovered.base + 1, recovered.lastIndex, line);
  }

  // ------------------------------------------------------------ feature `snapshot`

  /** The prefix hash of the entries 1..index whose last has term `term`, as some node's log showed it. */
  private hashOf(index: number, term: number): number | undefined {
    let seen: SeenEntry | null | undefined = this.entriesSeen.get(index);
    while (seen && seen.term !== term) seen = seen.other;
    if (seen) return seen.hash;
    for (const m of this.nodes.values()) if (m.logKnown && m.log.termAt(index) === term && m.log.prefixHash(index) !== undefined) return m.log.prefixHash(index);
    return undefined;
  }

  /** Rule snapshot.value: a snapshot's value is the register's after its last index, where that is known. */
  private checkSnapshotValue(n: NodeModel, index: number, value: RegisterState, what: string, line: number): void {
    const known = this.register?.valueAfter(n.id, index);
    if (!known || known.value === value) return;
    this.fail({
      rule: 'snapshot.value', line, nodes: [n.id], terms: this.termsOf(n),
      message: `${n.id} ${what} through index ${index} with value ${JSON.stringify(value)}, but the register holds ${JSON.stringify(known.value)} after index ${index}, ${known.source}`,
      expected: `value ${JSON.stringify(known.value)}`, seen: `value ${JSON.stringify(value)}`, related: known.line !== null ? [known.line] : [],
    });
  }

  /** The node took a snapshot through `index` and compacted its log: it must cover committed entries only, with the register's value. */
  private snapshot(n: NodeModel, e: Extract<TraceEvent, { kind: 'snapshot' }>, line: number): void {
    const { index, term, value } = e;
    const exact = this.logExact(n, line);
    const own = exact ? n.log.termAt(index) : undefined;
    // The commitIndex logged with the snapshot (one logged earlier is a lower bound only: commits may go unlogged).
    const commitIndex = e.state?.commitIndex;
    if (commitIndex !== undefined && index > commitIndex) {
      this.fail({
        rule: 'snapshot.committed', line, nodes: [n.id], terms: this.termsOf(n),
        message: `${n.id} took a snapshot through index ${index}, beyond its commitIndex ${commitIndex}: it covers entries that are not committed`,
        expected: `a snapshot through index ${commitIndex} at most`, seen: `a snapshot through index ${index}`,
      });
    } else if (own !== undefined && own !== term) {
      this.fail({
        rule: 'snapshot.committed', line, nodes: [n.id], terms: this.termsOf(n).concat([term]),
        message: `${n.id} took a snapshot through index ${index} of term ${term}, but its entry there has term ${own}`,
        expected: `lastIncludedTerm ${own}`, seen: `term ${term}`,
      });
    } else if (exact) {
      const c = this.highestCommit();
      const mine = n.log.prefixHash(index);
      const theirs = c && index <= c.index ? this.committedHashAt(index, c) : undefined;
      if (mine !== undefined && theirs !== undefined && mine !== theirs) {
        this.fail({
          rule: 'snapshot.committed', line, nodes: [n.id, c!.node], terms: this.termsOf(n).concat(c!.term !== null ? [c!.term] : []),
          message: `${n.id} took a snapshot through index ${index} of a log that differs from the one ${c!.node} committed (line ${c!.line})${this.firstDifferingEntry(n, this.committedLog(c!), index)}`,
          expected: 'a snapshot of the committed prefix', seen: 'another prefix', related: [c!.line],
        });
      }
    }
    this.checkSnapshotValue(n, index, value, 'took a snapshot', line);
    if (this.forget && n.logKnown && index > n.log.base && index <= n.log.lastIndex) this.writableLog(n).compact(index);
    else if (n.logKnown && index > n.log.lastIndex) n.logKnown = false; // a snapshot beyond its log: nothing below can be trusted for it
    if (index > n.snapshotIndex) {
      n.snapshotIndex = index;
      n.snapshotTakenLine = line;
    }
    this.forgetCompacted();
  }

  /** Figure 13: the node installed a snapshot it received. */
  private installSnapshot(n: NodeModel, e: Extract<TraceEvent, { kind: 'install_snapshot' }>, line: number): void {
    const { index, term, value, logKept } = e;
    // n.commitIndex is a lower bound of the node's: at or under it, the node holds the snapshot's entries already.
    if (index <= n.commitIndex) {
      this.fail({
        rule: 'snapshot.install', line, nodes: [n.id], terms: this.termsOf(n),
        message: `${n.id} installed a snapshot through index ${index}, not past its commitIndex ${n.commitIndex}: it holds those entries already, and an older snapshot is ignored`,
        expected: `no install of a snapshot through ${index} (≤ commitIndex ${n.commitIndex})`, seen: 'install_snapshot',
      });
    }
    const exact = this.logExact(n, line);
    const own = n.logKnown ? n.log.termAt(index) : undefined;
    const holds = n.logKnown && index <= n.log.lastIndex && own === term;
    if (logKept && exact && !holds) {
      this.fail({
        rule: 'snapshot.install', line, nodes: [n.id], terms: this.termsOf(n).concat([term]),
        message: `${n.id} installed a snapshot through index ${index} of term ${term} and kept its log after it, but ${index > n.log.lastIndex ? `its log ends at index ${n.log.lastIndex}` : `its entry ${index} has term ${own}`}: a log that does not hold the snapshot's last entry is discarded (Figure 13, 7)`,
        expected: 'logKept false: the whole log discarded', seen: 'logKept true',
      });
    }
    const s = e.state;
    if (s && ((s.lastApplied !== undefined && s.lastApplied !== index) || (s.commitIndex !== undefined && s.commitIndex !== index) || (s.value !== undefined && s.value !== value))) {
      this.fail({
        rule: 'snapshot.install', line, nodes: [n.id], terms: this.termsOf(n),
        message: `${n.id} installed a snapshot through index ${index} holding ${JSON.stringify(value)}, but its state machine is not the snapshot's: commitIndex ${s.commitIndex}, lastApplied ${s.lastApplied}, value ${JSON.stringify(s.value)}`,
        expected: `commitIndex ${index}, lastApplied ${index}, value ${JSON.stringify(value)}`, seen: JSON.stringify({ commitIndex: s.commitIndex, lastApplied: s.lastApplied, value: s.value }),
      });
    }
    this.checkSnapshotValue(n, index, value, 'installed a snapshot', line);
    const hash = this.hashOf(index, term);
    if (n.logKnown) {
      if (logKept && holds) {
        if (this.forget) this.writableLog(n).compact(index);
      }
      else if (hash === undefined) n.logKnown = false;
      else {
        // What the node kept after the snapshot (a conflicting suffix is kept as it was: log-matching will see it).
        const suffix: Entry[] = [];
        if (logKept) for (let i = index + 1; i <= n.log.lastIndex; i++) suffix.push(n.log.entry(i)!);
        this.writableLog(n).install(index, term, hash, false);
        if (suffix.length > 0) n.log.append(index + 1, suffix);
      }
    } else if (hash !== undefined) {
      n.log = new NodeLog();
      n.logShared = false;
      n.log.install(index, term, hash, false);
      n.logKnown = true;
    }
    if (!logKept || !holds) n.acked = Math.min(n.acked, index);
    if (index > n.commitIndex) this.setCommit(n, index, line);
    n.lastApplied = Math.max(n.lastApplied, index);
    this.register?.resume(n.id, index, value, line);
    if (index > n.snapshotIndex) {
      n.snapshotIndex = index;
      n.snapshotTakenLine = line;
    }
    if (n.logKnown && n.log.lastIndex > index) this.recordEntries(n, index + 1, n.log.lastIndex, line);
    this.forgetCompacted();
  }

  /**
   * A restart from a persisted snapshot resumes from it (rule snapshot.restart): a snapshot is
   * persistent, so it is no older than the node's last one, and the state machine starts from it.
   * Returns the recovered log, or null when the trace never showed the snapshot's prefix.
   */
  private recoverWithSnapshot(n: NodeModel, s: Snapshot, log: readonly Entry[], e: Extract<TraceEvent, { kind: 'restart' }>, line: number): NodeLog | null {
    if (s.index < n.snapshotIndex) {
      this.fail({
        rule: 'snapshot.restart', line, nodes: [n.id], terms: this.termsOf(n),
        message: `${n.id} restarted from a snapshot through index ${s.index}, older than the snapshot through ${n.snapshotIndex} it had (line ${n.snapshotTakenLine}): a snapshot is persistent`,
        expected: `a snapshot through index ${n.snapshotIndex} or later`, seen: `a snapshot through index ${s.index}`, related: [n.snapshotTakenLine],
      });
    }
    const st = e.state;
    if (st && ((st.lastApplied !== undefined && st.lastApplied !== s.index) || (st.commitIndex !== undefined && st.commitIndex < s.index) || (st.value !== undefined && st.value !== s.value))) {
      this.fail({
        rule: 'snapshot.restart', line, nodes: [n.id], terms: this.termsOf(n),
        message: `${n.id} restarted from a snapshot through index ${s.index} holding ${JSON.stringify(s.value)}, but its state machine does not start from it: commitIndex ${st.commitIndex}, lastApplied ${st.lastApplied}, value ${JSON.stringify(st.value)}`,
        expected: `commitIndex and lastApplied ${s.index}, value ${JSON.stringify(s.value)}`, seen: JSON.stringify({ commitIndex: st.commitIndex, lastApplied: st.lastApplied, value: st.value }),
      });
    }
    // commitIndex is volatile: the logged state says what it is (a lower one is this rule's, not commit-monotonic's).
    if (st?.commitIndex === undefined) n.commitIndex = s.index;
    n.lastApplied = s.index;
    n.resumedFrom = s.index;
    n.snapshotIndex = Math.max(n.snapshotIndex, s.index);
    const own = n.logKnown && n.log.termAt(s.index) === s.term ? n.log.prefixHash(s.index) : undefined;
    const hash = own ?? this.hashOf(s.index, s.term) ?? this.foreignPrefix(n, s, e, line);
    return hash === undefined ? null : NodeLog.like(n.log, log, { index: s.index, term: s.term, hash });
  }

  /**
   * A foreign snapshot: one whose term is above the term the node restarts in, which no leader
   * the node knows of created (in Figure 2 a node adopts a term before it holds an entry of it;
   * etcd's test bootstrap writes the same snapshot of term 1 into nodes of term 0). Its prefix
   * the trace never shows, and it stands for the same prefix on every node that restarts from
   * it, so it gets a hash of its own, recorded as the prefix seen ending at (index, term): then
   * the logs built on it are compared (Log Matching, State Machine Safety) instead of unknown.
   */
  private foreignPrefix(n: NodeModel, s: Snapshot, e: Extract<TraceEvent, { kind: 'restart' }>, line: number): number | undefined {
    if (!e.persisted || s.term <= e.persisted.term) return undefined;
    const hash = chainHash(s.index, { term: s.term, command: { type: 'noop' } });
    this.own(SEEN);
    this.entriesSeen.set(s.index, { term: s.term, hash, node: n.id, line, other: this.entriesSeen.get(s.index) ?? null });
    return hash;
  }

  /**
   * Every node has compacted its log through the floor: no event names an entry under it again
   * (but a restart from an older snapshot, which snapshot.restart reports), so the cluster-wide
   * facts about those entries are forgotten and memory stays flat however long the trace.
   */
  private forgetCompacted(): void {
    if (!this.forget) return;
    let floor = Infinity;
    for (const m of this.nodes.values()) floor = Math.min(floor, Math.max(m.log.base, m.snapshotIndex));
    if (floor <= this.floor) return;
    this.floor = floor;
    this.own(SEEN | APPLIED | COMMITS);
    this.entriesSeen.forgetBelow(floor);
    this.applied.forgetBelow(floor);
    this.appliedBy.forgetBelow(floor);
    this.appliedLine.forgetBelow(floor);
    this.register?.forgetBelow(floor);
    // Commits under the floor: the last of them still says where the committed prefix was.
    let k = 0;
    while (k + 1 < this.commits.length && this.commits[k + 1]!.index < floor) k++;
    if (k > 0) this.commits.splice(0, k);
  }

  /**
   * A restart may lose entries the node had not yet written to stable storage (Figure 2 only
   * asks that they be written before it answers), even committed ones: a majority of others
   * stored them. What it must recover is what it had stored: entries it acknowledged, and
   * entries an earlier restart recovered, unless it deleted them since. Losing a committed one
   * of those is reported here (true if it was); acknowledged ones that are not known committed
   * are acknowledged-durable's.
   */
  private checkStored(n: NodeModel, recovered: NodeLog, line: number): boolean {
    const stored = Math.max(n.acked, n.recovered);
    const upTo = Math.min(stored, this.committedPrefixOf(n.log));
    const k = upTo > 0 ? n.log.firstDifference(recovered, upTo) : null;
    // A difference under a snapshot (feature `snapshot`) is the snapshot rules' (snapshot.restart, snapshot.committed).
    if (k === null || k <= Math.max(n.log.base, recovered.base)) return false;
    const c = this.highestCommit()!;
    const why = n.acked >= k ? `acknowledged on line ${n.ackedLine}` : `recovered at the restart on line ${n.recoveredLine}`;
    const committed = `committed up to index ${c.index} by ${c.node}, line ${c.line}`;
    const had = n.log.entry(k)!;
    const now = recovered.entry(k);
    this.fail({
      rule: 'committed-durable', line, nodes: [n.id], terms: this.termsOf(n),
      message: now
        ? `${n.id} restarted with its committed entry ${k} changed: ${describeChange(had, now)} (${committed}; stored: ${why})`
        : `${n.id} restarted with a log of ${recovered.lastIndex} entries: it had ${n.log.lastIndex}, and lost the committed ${k === upTo ? `entry ${k}` : `entries ${k}..${upTo}`}, which it had stored (${why}; ${committed})`,
      expected: `entry ${k}: ${describeEntry(had)}`, seen: now ? `entry ${k}: ${describeEntry(now)}` : `a log of ${recovered.lastIndex} entries`,
      related: [c.line, n.acked >= k ? n.ackedLine : n.recoveredLine],
    });
    return true;
  }

  /** A restart recovers every entry the node acknowledged and kept (Figure 2: stable storage before responding). */
  private checkAcknowledged(n: NodeModel, recovered: NodeLog, line: number): void {
    // Entries under the recovered snapshot are acknowledged by it (snapshot.restart compares the snapshots).
    if (n.acked === 0 || n.acked <= recovered.base) return;
    const changed = n.log.lastIndex >= n.acked && recovered.lastIndex >= n.acked && recovered.prefixHash(n.acked) !== n.log.prefixHash(n.acked);
    if (recovered.lastIndex >= n.acked && !changed) return;
    const k = changed ? n.log.firstDifference(recovered, n.acked)! : 0;
    if (changed && k <= Math.max(n.log.base, recovered.base)) return; // under a snapshot: the snapshot rules'
    this.fail({
      rule: 'acknowledged-durable', line, nodes: [n.id], terms: this.termsOf(n),
      message: `${n.id} restarted with ${changed ? `its entry ${k} changed (${describeChange(n.log.entry(k)!, recovered.entry(k))})` : `a log of ${recovered.lastIndex} entries`}, but it had acknowledged entries 1..${n.acked} (line ${n.ackedLine}), which it must have stored before answering`,
      expected: changed ? `entry ${k}: ${describeEntry(n.log.entry(k)!)}` : `a recovered log holding the acknowledged entries 1..${n.acked}`,
      seen: changed ? `entry ${k}: ${describeEntry(recovered.entry(k)!)}` : `${recovered.lastIndex} entries`,
      related: [n.ackedLine],
    });
    n.acked = 0; // reported once; what it acknowledges from now on is checked afresh
  }

  /**
   * A copy of this checker's memory that reports through `report`: `raftcheck explore` carries
   * one with every state it visits, so each rule is checked by this code on every path.
   */
  clone(report: Report): ClusterInvariants {
    return new ClusterInvariants(CLONE_HEADER, report, this.enabled ? { enabled: this.enabled } : {}, this);
  }

  /** The node's log, ready to change (copied first if shared with the model it was copied from). */
  private writableLog(n: NodeModel): NodeLog {
    if (n.logShared) {
      n.log = n.log.clone();
      n.logShared = false;
    }
    return n.log;
  }

  private writableVotes(n: NodeModel): NodeModel['votes'] {
    if (n.votesShared) {
      n.votes = new Map(n.votes);
      n.votesShared = false;
    }
    return n.votes;
  }

  /** The parts in `bits`, ready to change (copied first where shared with a clone). */
  private own(bits: number): void {
    // Called before every change of these parts: their part of historyKey is written again.
    this.sharedKeyPart = undefined;
    const copy = this.shared & bits;
    if (copy === 0) return;
    this.shared &= ~copy;
    if (copy & LEADERS) this.leaders = new Map(this.leaders);
    if (copy & SEEN) this.entriesSeen = this.entriesSeen.clone();
    if (copy & COMMITS) this.commits = this.commits.slice();
    if (copy & APPLIED) {
      this.applied = this.applied.clone();
      this.appliedBy = this.appliedBy.clone();
      this.appliedLine = this.appliedLine.clone();
    }
    if (copy & NODES) this.nodes = new Map(this.nodes);
  }

  /** The model of node `id`, ready to change (an event changes its own node's model, no other). */
  private writableNode(id: string): NodeModel | undefined {
    const n = this.nodes.get(id);
    if (!n || this.ownModels === null || this.ownModels.includes(n)) return n;
    this.own(NODES);
    const copy = { ...n, logShared: true, votesShared: true };
    this.nodes.set(id, copy);
    if (this.ownModels === NONE_OWNED) this.ownModels = [copy];
    else this.ownModels.push(copy);
    return copy;
  }

  /**
   * What of this checker's memory decides its later verdicts, as a string: two paths of
   * `raftcheck explore` that end in the same cluster state and the same history key get the
   * same verdicts on every continuation, so they are one state. Nodes are listed in `order`
   * and every node id is written as `rename` maps it (symmetry reduction). Left out: line
   * numbers and which node first showed an entry, a commit or a value, which only word
   * messages; the leader of each term and every vote are kept (election-safety, vote-once).
   * A field added to this class that a rule reads must be added here.
   */
  historyKey(order: readonly string[], rename: (id: string) => string, identity = false): string {
    // `identity`: `order` is the servers' own order and `rename` the identity, so the parts written
    // before (of node models and cluster-wide facts that have not changed since) are reused.
    const r = (id: string | null): string => (id === null ? '-' : rename(id));
    let key = '';
    for (const id of order) {
      const n = this.nodes.get(id)!;
      key += identity ? (n.keyPart ??= flat(this.nodeKeyPart(n, r))) : this.nodeKeyPart(n, r);
    }
    key += identity ? (this.sharedKeyPart ??= flat(this.clusterKeyPart(r))) : this.clusterKeyPart(r);
    if (this.register) key += '|' + this.register.historyKey(order, identity);
    return key;
  }

  private nodeKeyPart(n: NodeModel, r: (id: string | null) => string): string {
    const votes = [...n.votes].map(([term, v]) => `${term}:${r(v.votedFor)}`).sort().join(',');
    const log = n.logKnown ? Array.from({ length: n.log.lastIndex }, (_, i) => n.log.prefixHash(i + 1)).join(',') : '?';
    // What the node is known to log (each flag changes what later events may be judged on), and
    // which of its facts are tied to lines: a later line never equals them, save whether the
    // last apply was already reported.
    const logs = `${n.logsTerms ? 't' : ''}${n.logsRoles ? 'r' : ''}${n.logsVotes ? 'v' : ''}${n.logsChanges ? 'c' : ''}${n.appliedReported === n.appliedLine ? 'a' : ''}`;
    return `${n.alive ? 1 : 0}${n.role[0]}${n.term}/${r(n.votedFor)}/${n.commitIndex}/${n.lastApplied}/${n.appliedIndex}/${log}/${n.reportedLastIndex ?? '-'}/${n.acked}/${n.recovered}/${logs}/${votes}/${n.leaderTerm ?? '-'};`;
  }

  private clusterKeyPart(r: (id: string | null) => string): string {
    let key = '|' + [...this.leaders].map(([term, l]) => `${term}:${r(l.node)}`).sort().join(',');
    key += '|';
    // Every index (some not seen yet, some forgotten under every node's snapshot: both read as unknown).
    for (let index = 1; index < this.entriesSeen.length; index++) {
      const terms: string[] = [];
      for (let e: SeenEntry | null | undefined = this.entriesSeen.get(index); e; e = e.other) terms.push(`${e.term}:${e.hash}`);
      key += `${terms.sort().join('/')},`;
    }
    key += '|' + this.commits.map((c) => `${c.index}:${c.hash}:${c.term}`).join(',');
    key += '|';
    for (let index = 1; index < this.applied.length; index++) {
      const c = this.applied.get(index);
      key += `${c ? commandKey(c) : ''},`;
    }
    return key;
  }

}
