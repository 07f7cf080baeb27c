/**
 * Checks the cluster invariants of spec/invariants.md on one streaming pass over a trace.
 *
 * It rebuilds what each node knows (role, term, vote, commitIndex, log) from the events and,
 * where present, the logged post-states, and keeps a few cluster-wide facts (the leader of
 * each term, every (index, term) seen with its prefix hash, the committed prefix, the entries
 * applied). Each event is checked in O(1) amortised time, apart from the entries it carries.
 * A fact a trace does not log (for example a log without append events) leaves the rules that
 * need it unconstrained.
 */
import type { Command, Entry, Header, NodeState, RegisterState, Role, Snapshot, TraceEvent } from '../../../src/trace/schema.js';
import { describeEntry } from '../describe-entry.js';
import { commandKey, sameCommand, sameEntry } from '../entry-hash.js';
import { ForgetfulArray } from '../forgetful-array.js';
import { NodeLog } from '../node-log.js';
import type { Report, Violation } from '../violation.js';
import { APPLIED_VALUE_RULE, RegisterValues } from './register-values.js';

/**
 * The first index an append at `index` changes in `log`: an entry it replaces with another, or
 * the first past its last entry (NodeLog.append replaces the log from `index` on). Null when it
 * changes nothing: rewriting an entry as it was deletes nothing.
 */
function firstChange(log: NodeLog, index: number, entries: readonly Entry[]): number | null {
  const last = index + entries.length - 1;
  for (let i = index; i <= Math.min(last, log.lastIndex); i++) if (!sameEntry(log.entry(i)!, entries[i - index]!)) return i;
  return log.lastIndex > last ? last + 1 : null;
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
  votedFor: string | null;
  commitIndex: number;
  /** True once the trace told us the node's commitIndex (a commit event or a logged state field). */
  commitKnown: boolean;
  lastApplied: number;
  log: NodeLog;
  /** True once the trace told us about this node's log (append/truncate events or a full log). */
  logKnown: boolean;
  /** The last log index the node's logged state reported, for traces that log no entries. */
  reportedLastIndex: number | null;
  /** Highest index the node acknowledged (successful AppendEntriesResponse) and has not deleted since. */
  acked: number;
  ackedLine: number;
  /** Votes cast, by term (persistent: survives crashes). */
  votes: Map<number, { votedFor: string; line: number }>;
  /** Term the node was leader in, while it is leader. */
  leaderTerm: number | null;
  /** Line where the node took its current role and term. */
  roleLine: number;
  /** Feature `snapshot`: the newest snapshot the node took or installed since it started, and where (0: none). */
  snapshotIndex: number;
  snapshotLine: number;
  /** Feature `snapshot`: the snapshot it restarted from: it applies nothing at or under it until its next restart. */
  resumedFrom: number;
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
  term: number;
  node: string;
  line: number;
}

export interface ClusterInvariantOptions {
  /** Rule ids to check (default: all). */
  enabled?: ReadonlySet<string>;
}

export class ClusterInvariants {
  private readonly nodes = new Map<string, NodeModel>();
  private readonly leaders = new Map<number, { node: string; line: number }>();
  /**
   * Every (index, term) seen, by index: its prefix hash and where it was first seen (one per
   * term, usually one term). Arrays indexed by log index, here and for `applied`: indexes are
   * dense, and a Map of a hundred thousand numbers costs a cache miss per lookup.
   */
  private readonly entriesSeen = new ForgetfulArray<SeenEntry>();
  /** Every commit point recorded, in index order (kept short: only increases). */
  private readonly commits: Committed[] = [];
  /** Applied command per index, cluster-wide, with the node and line that applied it first (parallel arrays: no object per index). */
  private readonly applied = new ForgetfulArray<Command>();
  private readonly appliedBy = new ForgetfulArray<string>();
  private readonly appliedLine = new ForgetfulArray<number>();
  /** Feature `snapshot`: every node has compacted its log through this index; the facts under it are forgotten. */
  private floor = 0;
  private readonly enabled: ReadonlySet<string> | undefined;
  /** The register's values (rule applied-value), when that rule is on. */
  private readonly register: RegisterValues | null;

  constructor(header: Header, private readonly report: Report, options: ClusterInvariantOptions = {}) {
    this.enabled = options.enabled;
    // The register's values serve applied-value and snapshot.value (feature `snapshot`); each reports only if on.
    this.register = this.on(APPLIED_VALUE_RULE) || this.on('snapshot.value') ? new RegisterValues(header.nodes, (v) => this.fail(v)) : null;
    for (const id of header.nodes) {
      this.nodes.set(id, {
        id, alive: true, role: 'follower', term: 0, votedFor: null, commitIndex: 0, commitKnown: false, lastApplied: 0,
        log: new NodeLog(), logKnown: false, reportedLastIndex: null, acked: 0, ackedLine: 0, votes: new Map(), leaderTerm: null, roleLine: 1,
        snapshotIndex: 0, snapshotLine: 0, resumedFrom: 0,
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
    const n = this.nodes.get(e.node);
    if (!n) return; // undeclared nodes are reported by the schema level
    // The post-state's term is the term the event happened in (a role change, a vote...).
    if (e.kind !== 'restart' && e.state?.term !== undefined && e.state.term !== n.term) this.setTerm(n, e.state.term, line);
    if (e.state?.lastLogIndex !== undefined) n.reportedLastIndex = e.state.lastLogIndex;
    switch (e.kind) {
      case 'term':
        this.setTerm(n, e.term, line);
        break;
      case 'role':
        this.setRole(n, e.role, line);
        break;
      case 'vote':
        this.castVote(n, e.votedFor, line);
        break;
      case 'append':
        this.append(n, e.index, e.entries, line);
        break;
      case 'truncate':
        this.truncate(n, e.fromIndex, line);
        break;
      case 'commit':
        this.setCommit(n, e.commitIndex, line);
        break;
      case 'apply':
        // A node that applied another command than the cluster's follows another log: its
        // register is state-machine-safety's concern from then on, not applied-value's.
        if (this.apply(n, e.index, e.command, line)) this.register?.apply(n.id, e.index, e.command, e.value, e.result, line);
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
      this.absorbState(n, e.state, line);
      this.register?.state(n.id, e.state, line);
    }
  }

  /** Takes the logged post-state as the truth about fields no event of this kind reports. */
  private absorbState(n: NodeModel, s: NodeState, line: number): void {
    if (s.term !== undefined && s.term !== n.term) this.setTerm(n, s.term, line);
    if (s.role !== undefined && s.role !== n.role) this.setRole(n, s.role, line);
    if (s.votedFor !== undefined && s.votedFor !== null && s.votedFor !== n.votedFor) this.castVote(n, s.votedFor, line);
    if (s.log !== undefined) this.replaceLog(n, s.log, line);
    if (s.commitIndex !== undefined) n.commitKnown = true;
    if (s.commitIndex !== undefined && s.commitIndex !== n.commitIndex) this.setCommit(n, s.commitIndex, line);
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
    const previous = this.leaders.get(n.term);
    if (previous && previous.node !== n.id) {
      this.fail({
        rule: 'election-safety', line, nodes: [previous.node, n.id], terms: [n.term],
        message: `two leaders in term ${n.term}: ${previous.node} (line ${previous.line}) and ${n.id}`,
        expected: `at most one leader in term ${n.term}`, seen: `${n.id} became leader too`, related: [previous.line],
      });
    } else if (!previous) {
      this.leaders.set(n.term, { node: n.id, line });
    }
    this.checkLeaderCompleteness(n, line);
  }

  private checkLeaderCompleteness(n: NodeModel, line: number): void {
    if (!n.logKnown) {
      // Without its entries, the reported log length still shows a leader missing committed ones.
      const top = this.commits.findLast((c) => c.term < n.term);
      if (top && n.reportedLastIndex !== null && n.reportedLastIndex < top.index) {
        this.fail({
          rule: 'leader-completeness', line, nodes: [n.id, top.node], terms: [top.term, n.term],
          message: `${n.id} became leader of term ${n.term} with ${n.reportedLastIndex} log entries, without the entry at index ${top.index} committed in term ${top.term} (by ${top.node}, line ${top.line})`,
          expected: `a log holding the committed prefix up to index ${top.index}`, seen: `a log ending at index ${n.reportedLastIndex}`, related: [top.line],
        });
      }
      return;
    }
    // The highest commit established in an earlier term must be in the new leader's log.
    for (let i = this.commits.length - 1; i >= 0; i--) {
      const c = this.commits[i]!;
      if (c.term >= n.term) continue;
      // Under the node's snapshot, the entries are known by their prefix hash no more: rule snapshot.committed checked that the snapshot is the committed prefix.
      if (c.index < n.log.base) return;
      if (n.log.prefixHash(c.index) !== c.hash) {
        this.fail({
          rule: 'leader-completeness', line, nodes: [n.id, c.node], terms: [c.term, n.term],
          message: `${n.id} became leader of term ${n.term} without the entry at index ${c.index} committed in term ${c.term} (by ${c.node}, line ${c.line})`,
          expected: `a log holding the committed prefix up to index ${c.index}`,
          seen: n.log.lastIndex < c.index ? `a log ending at index ${n.log.lastIndex}` : `a different entry at or before index ${c.index}`,
          related: [c.line],
        });
      }
      return;
    }
  }

  private castVote(n: NodeModel, votedFor: string, line: number): void {
    const earlier = n.votes.get(n.term);
    if (earlier && earlier.votedFor !== votedFor) {
      this.fail({
        rule: 'vote-once', line, nodes: [n.id, earlier.votedFor, votedFor], terms: [n.term],
        message: `${n.id} voted twice in term ${n.term}: for ${earlier.votedFor} (line ${earlier.line}) and for ${votedFor}`,
        expected: `no vote other than ${earlier.votedFor} in term ${n.term}`, seen: `a vote for ${votedFor}`, related: [earlier.line],
      });
    }
    if (!earlier) n.votes.set(n.term, { votedFor, line });
    n.votedFor = votedFor;
  }

  private append(n: NodeModel, index: number, entries: readonly Entry[], line: number): void {
    n.logKnown = true;
    if (index > n.log.lastIndex + 1) {
      // A gap: the trace did not show earlier appends. Nothing below can be trusted for this node.
      n.logKnown = false;
      return;
    }
    if (index <= n.log.lastIndex) {
      const changed = firstChange(n.log, index, entries);
      if (changed !== null) this.checkDeletion(n, changed, line, 'overwrote', entries[changed - index]);
      this.unacknowledgeFrom(n, index, entries);
    }
    n.log.append(index, entries);
    this.recordEntries(n, index, index + entries.length - 1, line);
  }

  private truncate(n: NodeModel, fromIndex: number, line: number): void {
    if (fromIndex <= n.log.lastIndex) this.checkDeletion(n, fromIndex, line, 'deleted');
    n.acked = Math.min(n.acked, fromIndex - 1);
    n.log.truncate(fromIndex);
  }

  /**
   * An append from `index` on replaces the log from there (NodeLog.append): it takes back the
   * acknowledgement of every entry it changes, and of every entry past its last one.
   */
  private unacknowledgeFrom(n: NodeModel, index: number, entries: readonly Entry[]): void {
    const last = index + entries.length - 1;
    for (let i = index; i <= Math.min(n.acked, last); i++) {
      const old = n.log.entry(i);
      if (!old || !sameEntry(old, entries[i - index]!)) {
        n.acked = i - 1;
        return;
      }
    }
    n.acked = Math.min(n.acked, last);
  }

  private replaceLog(n: NodeModel, entries: readonly Entry[], line: number): void {
    // A full logged log: compare with what the events built, and adopt it.
    let same = n.logKnown && entries.length === n.log.lastIndex;
    if (same) {
      const copy = new NodeLog();
      copy.replace(entries);
      same = copy.prefixHash(entries.length) === n.log.prefixHash(n.log.lastIndex);
    }
    if (same) return;
    if (n.logKnown) {
      let common = 0;
      while (common < entries.length && common < n.log.lastIndex && sameEntry(entries[common]!, n.log.entry(common + 1)!)) common++;
      if (common < n.log.lastIndex) this.checkDeletion(n, common + 1, line, 'replaced', entries[common]);
      n.acked = Math.min(n.acked, common);
    }
    n.log.replace(entries);
    n.logKnown = true;
    this.recordEntries(n, 1, entries.length, line);
  }

  /**
   * Entries from `fromIndex` on are about to go (the first replaced by `replacement`, if any):
   * a leader never does that, and committed entries never go.
   */
  private checkDeletion(n: NodeModel, fromIndex: number, line: number, verb: string, replacement?: Entry): void {
    const change = describeChange(n.log.entry(fromIndex)!, replacement);
    if (n.leaderTerm !== null && n.role === 'leader') {
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
        rule: 'committed-durable', line, nodes: [n.id, c.node], terms: [n.term, c.term],
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

  /** A node whose log holds the prefix committed by `c`, if any still does. */
  private committedLog(c: Committed): NodeModel | undefined {
    for (const node of this.nodes.values()) if (node.logKnown && node.log.prefixHash(c.index) === c.hash) return node;
    return undefined;
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
        this.entriesSeen.set(i, { term, hash, node: n.id, line, other: first ?? null });
      } else if (seen.hash !== hash) {
        const other = this.nodes.get(seen.node);
        const where = other && other.logKnown && other.log.prefixHash(i) === seen.hash ? this.firstDifferingEntry(n, other, i) : '';
        this.fail({
          rule: 'log-matching', line, nodes: [seen.node, n.id], terms: [term],
          message: `${n.id} and ${seen.node} (line ${seen.line}) both have an entry of term ${term} at index ${i}, but their logs differ at or before it${where}`,
          expected: `the same entries 1..${i} as ${seen.node}`, seen: 'a different prefix', related: [seen.line],
        });
        return;
      }
    }
  }

  private highestCommit(): Committed | undefined {
    return this.commits.at(-1);
  }

  private setCommit(n: NodeModel, commitIndex: number, line: number): void {
    n.commitKnown = true;
    if (commitIndex < n.commitIndex) {
      this.fail({
        rule: 'commit-monotonic', line, nodes: [n.id], terms: [n.term],
        message: `${n.id}'s commitIndex went back from ${n.commitIndex} to ${commitIndex} without a restart`,
        expected: `commitIndex ≥ ${n.commitIndex}`, seen: `commitIndex ${commitIndex}`,
      });
    }
    const advanced = commitIndex > n.commitIndex;
    n.commitIndex = commitIndex;
    if (!advanced || !n.logKnown) return;
    if (commitIndex > n.log.lastIndex) return; // reported by conformance: committing beyond the log
    if (n.role === 'leader' && n.log.termAt(commitIndex) !== n.term) {
      this.fail({
        rule: 'commit-current-term', line, nodes: [n.id], terms: [n.term, n.log.termAt(commitIndex)!],
        message: `leader ${n.id} of term ${n.term} advanced commitIndex to ${commitIndex}, an entry of term ${n.log.termAt(commitIndex)}`,
        expected: `commit only up to an entry of term ${n.term} (Figure 8)`, seen: `commitIndex ${commitIndex} at an entry of term ${n.log.termAt(commitIndex)}`,
      });
    }
    const hash = n.log.prefixHash(commitIndex)!;
    const top = this.highestCommit();
    if (top && commitIndex <= top.index) {
      // Both prefixes are committed: they must agree up to the shorter one.
      const mine = n.log.prefixHash(commitIndex);
      const theirs = this.committedHashAt(commitIndex, top);
      if (theirs !== undefined && mine !== theirs) {
        this.fail({
          rule: 'state-machine-safety', line, nodes: [n.id, top.node], terms: [n.term, top.term],
          message: `${n.id} committed up to index ${commitIndex} a log that differs from the one ${top.node} committed (line ${top.line})${this.firstDifferingEntry(n, this.committedLog(top), commitIndex)}`,
          expected: 'one committed log prefix', seen: 'two different committed prefixes', related: [top.line],
        });
      }
      return;
    }
    // A commit under the node's snapshot: the snapshot rules compared the snapshot with it.
    if (top && top.index >= n.log.base && n.log.prefixHash(top.index) !== top.hash) {
      this.fail({
        rule: 'state-machine-safety', line, nodes: [n.id, top.node], terms: [n.term, top.term],
        message: `${n.id} committed up to index ${commitIndex} a log whose first ${top.index} entries differ from those ${top.node} committed (line ${top.line})${this.firstDifferingEntry(n, this.committedLog(top), top.index)}`,
        expected: 'one committed log prefix', seen: 'two different committed prefixes', related: [top.line],
      });
      return;
    }
    this.commits.push({ index: commitIndex, hash, term: n.term, node: n.id, line });
  }

  /** Returns false when the node applied another command at `index` than the first node that applied it. */
  private apply(n: NodeModel, index: number, command: Entry['command'], line: number): boolean {
    // A trace that never logs a node's commitIndex (no commit events, no state field) leaves
    // "applied only up to commitIndex" unconstrained for it: its commitIndex is unknown, not 0.
    const beyondCommit = n.commitKnown && index > n.commitIndex;
    if (index !== n.lastApplied + 1 || beyondCommit) {
      this.fail({
        rule: 'state-machine-safety', line, nodes: [n.id], terms: [n.term],
        message: beyondCommit
          ? `${n.id} applied the entry at index ${index} while its commitIndex is ${n.commitIndex}`
          : `${n.id} applied index ${index} out of order (last applied: ${n.lastApplied})`,
        expected: `apply index ${n.lastApplied + 1}, at most commitIndex ${n.commitIndex}`, seen: `apply index ${index}`,
      });
    }
    n.lastApplied = Math.max(n.lastApplied, index);
    if (index <= n.resumedFrom) {
      this.fail({
        rule: 'snapshot.restart', line, nodes: [n.id], terms: [n.term],
        message: `${n.id} applied index ${index}, which the snapshot through ${n.resumedFrom} it restarted from already holds`,
        expected: `apply from index ${n.resumedFrom + 1} on (the state machine restarts from the snapshot)`, seen: `apply index ${index}`,
      });
    }
    const earlier = this.applied.get(index);
    if (!earlier) {
      this.applied.set(index, command);
      this.appliedBy.set(index, n.id);
      this.appliedLine.set(index, line);
      return true;
    }
    if (!sameCommand(earlier, command)) {
      const by = this.appliedBy.get(index)!;
      const at = this.appliedLine.get(index)!;
      this.fail({
        rule: 'state-machine-safety', line, nodes: [by, n.id], terms: [n.term],
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
    const p = e.persisted;
    if (!p) return;
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
    n.votedFor = p.votedFor;
    const s = p.snapshot;
    const recovered = s ? this.recoverWithSnapshot(n, s, p.log, e, line) : NodeLog.like(n.log, p.log);
    if (!recovered) {
      // A snapshot whose prefix the trace never showed: this node's log is unknown from here.
      n.log = new NodeLog();
      n.logKnown = false;
      return;
    }
    let lostCommitted = false;
    if (n.logKnown) {
      // The recovered log must keep every entry the node had (the log is persistent).
      if (recovered.lastIndex < n.log.lastIndex || recovered.prefixHash(n.log.lastIndex) !== n.log.prefixHash(n.log.lastIndex)) {
        const c = this.highestCommit();
        // The first of the entries it had, up to the committed index, that the restart lost or changed.
        const k = c === undefined ? null : n.log.firstDifference(recovered, Math.min(c.index, n.log.lastIndex));
        lostCommitted = k !== null;
        if (k !== null) {
          const committed = `committed up to index ${c!.index} by ${c!.node}, line ${c!.line}`;
          const had = n.log.entry(k)!;
          const now = recovered.entry(k);
          const last = Math.min(c!.index, n.log.lastIndex);
          this.fail({
            rule: 'committed-durable', line, nodes: [n.id], terms: [n.term],
            message: now
              ? `${n.id} restarted with its committed entry ${k} changed: ${describeChange(had, now)} (${committed})`
              : `${n.id} restarted with a log of ${recovered.lastIndex} entries: it had ${n.log.lastIndex}, and lost the committed ${k === last ? `entry ${k}` : `entries ${k}..${last}`} (${committed})`,
            expected: `entry ${k}: ${describeEntry(had)}`, seen: now ? `entry ${k}: ${describeEntry(now)}` : `a log of ${recovered.lastIndex} entries`, related: [c!.line],
          });
        }
      }
    }
    // The same loss, told as the broken promise, where no committed entry names it.
    if (!lostCommitted) this.checkAcknowledged(n, recovered, line);
    n.log = recovered;
    n.logKnown = true;
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
      rule: 'snapshot.value', line, nodes: [n.id], terms: [n.term],
      message: `${n.id} ${what} through index ${index} with value ${JSON.stringify(value)}, but the register holds ${JSON.stringify(known.value)} after index ${index}, ${known.source}`,
      expected: `value ${JSON.stringify(known.value)}`, seen: `value ${JSON.stringify(value)}`, related: known.line !== null ? [known.line] : [],
    });
  }

  /** The node took a snapshot through `index` and compacted its log: it must cover committed entries only, with the register's value. */
  private snapshot(n: NodeModel, e: Extract<TraceEvent, { kind: 'snapshot' }>, line: number): void {
    const { index, term, value } = e;
    const own = n.logKnown ? n.log.termAt(index) : undefined;
    if (n.commitKnown && index > n.commitIndex) {
      this.fail({
        rule: 'snapshot.committed', line, nodes: [n.id], terms: [n.term],
        message: `${n.id} took a snapshot through index ${index}, beyond its commitIndex ${n.commitIndex}: it covers entries that are not committed`,
        expected: `a snapshot through index ${n.commitIndex} at most`, seen: `a snapshot through index ${index}`,
      });
    } else if (own !== undefined && own !== term) {
      this.fail({
        rule: 'snapshot.committed', line, nodes: [n.id], terms: [n.term, term],
        message: `${n.id} took a snapshot through index ${index} of term ${term}, but its entry there has term ${own}`,
        expected: `lastIncludedTerm ${own}`, seen: `term ${term}`,
      });
    } else if (n.logKnown) {
      const c = this.highestCommit();
      const mine = n.log.prefixHash(index);
      const theirs = c && index <= c.index ? this.committedHashAt(index, c) : undefined;
      if (mine !== undefined && theirs !== undefined && mine !== theirs) {
        this.fail({
          rule: 'snapshot.committed', line, nodes: [n.id, c!.node], terms: [n.term, c!.term],
          message: `${n.id} took a snapshot through index ${index} of a log that differs from the one ${c!.node} committed (line ${c!.line})${this.firstDifferingEntry(n, this.committedLog(c!), index)}`,
          expected: 'a snapshot of the committed prefix', seen: 'another prefix', related: [c!.line],
        });
      }
    }
    this.checkSnapshotValue(n, index, value, 'took a snapshot', line);
    if (n.logKnown && index > n.log.base && index <= n.log.lastIndex) n.log.compact(index);
    else if (n.logKnown && index > n.log.lastIndex) n.logKnown = false; // a snapshot beyond its log: nothing below can be trusted for it
    if (index > n.snapshotIndex) {
      n.snapshotIndex = index;
      n.snapshotLine = line;
    }
    this.forgetCompacted();
  }

  /** Figure 13: the node installed a snapshot it received. */
  private installSnapshot(n: NodeModel, e: Extract<TraceEvent, { kind: 'install_snapshot' }>, line: number): void {
    const { index, term, value, logKept } = e;
    if (n.commitKnown && index <= n.commitIndex) {
      this.fail({
        rule: 'snapshot.install', line, nodes: [n.id], terms: [n.term],
        message: `${n.id} installed a snapshot through index ${index}, not past its commitIndex ${n.commitIndex}: it holds those entries already, and an older snapshot is ignored`,
        expected: `no install of a snapshot through ${index} (≤ commitIndex ${n.commitIndex})`, seen: 'install_snapshot',
      });
    }
    const own = n.logKnown ? n.log.termAt(index) : undefined;
    const holds = n.logKnown && index <= n.log.lastIndex && own === term;
    if (logKept && n.logKnown && !holds) {
      this.fail({
        rule: 'snapshot.install', line, nodes: [n.id], terms: [n.term, term],
        message: `${n.id} installed a snapshot through index ${index} of term ${term} and kept its log after it, but ${index > n.log.lastIndex ? `its log ends at index ${n.log.lastIndex}` : `its entry ${index} has term ${own}`}: a log that does not hold the snapshot's last entry is discarded (Figure 13, 7)`,
        expected: 'logKept false: the whole log discarded', seen: 'logKept true',
      });
    }
    const s = e.state;
    if (s && ((s.lastApplied !== undefined && s.lastApplied !== index) || (s.commitIndex !== undefined && s.commitIndex !== index) || (s.value !== undefined && s.value !== value))) {
      this.fail({
        rule: 'snapshot.install', line, nodes: [n.id], terms: [n.term],
        message: `${n.id} installed a snapshot through index ${index} holding ${JSON.stringify(value)}, but its state machine is not the snapshot's: commitIndex ${s.commitIndex}, lastApplied ${s.lastApplied}, value ${JSON.stringify(s.value)}`,
        expected: `commitIndex ${index}, lastApplied ${index}, value ${JSON.stringify(value)}`, seen: JSON.stringify({ commitIndex: s.commitIndex, lastApplied: s.lastApplied, value: s.value }),
      });
    }
    this.checkSnapshotValue(n, index, value, 'installed a snapshot', line);
    const hash = this.hashOf(index, term);
    if (n.logKnown) {
      if (logKept && holds) n.log.compact(index);
      else if (hash === undefined) n.logKnown = false;
      else {
        // What the node kept after the snapshot (a conflicting suffix is kept as it was: log-matching will see it).
        const suffix: Entry[] = [];
        if (logKept) for (let i = index + 1; i <= n.log.lastIndex; i++) suffix.push(n.log.entry(i)!);
        n.log.install(index, term, hash, false);
        if (suffix.length > 0) n.log.append(index + 1, suffix);
      }
    } else if (hash !== undefined) {
      n.log = new NodeLog();
      n.log.install(index, term, hash, false);
      n.logKnown = true;
    }
    if (!logKept || !holds) n.acked = Math.min(n.acked, index);
    if (index > n.commitIndex) this.setCommit(n, index, line);
    n.commitKnown = true;
    n.lastApplied = Math.max(n.lastApplied, index);
    this.register?.resume(n.id, index, value, line);
    if (index > n.snapshotIndex) {
      n.snapshotIndex = index;
      n.snapshotLine = line;
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
        rule: 'snapshot.restart', line, nodes: [n.id], terms: [n.term],
        message: `${n.id} restarted from a snapshot through index ${s.index}, older than the snapshot through ${n.snapshotIndex} it had (line ${n.snapshotLine}): a snapshot is persistent`,
        expected: `a snapshot through index ${n.snapshotIndex} or later`, seen: `a snapshot through index ${s.index}`, related: [n.snapshotLine],
      });
    }
    const st = e.state;
    if (st && ((st.lastApplied !== undefined && st.lastApplied !== s.index) || (st.commitIndex !== undefined && st.commitIndex < s.index) || (st.value !== undefined && st.value !== s.value))) {
      this.fail({
        rule: 'snapshot.restart', line, nodes: [n.id], terms: [n.term],
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
    const hash = own ?? this.hashOf(s.index, s.term);
    return hash === undefined ? null : NodeLog.like(n.log, log, { index: s.index, term: s.term, hash });
  }

  /**
   * Every node has compacted its log through the floor: no event names an entry under it again
   * (but a restart from an older snapshot, which snapshot.restart reports), so the cluster-wide
   * facts about those entries are forgotten and memory stays flat however long the trace.
   */
  private forgetCompacted(): void {
    let floor = Infinity;
    for (const m of this.nodes.values()) floor = Math.min(floor, Math.max(m.log.base, m.snapshotIndex));
    if (floor <= this.floor) return;
    this.floor = floor;
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

  /** A restart recovers every entry the node acknowledged and kept (Figure 2: stable storage before responding). */
  private checkAcknowledged(n: NodeModel, recovered: NodeLog, line: number): void {
    // Entries under the recovered snapshot are acknowledged by it (snapshot.restart compares the snapshots).
    if (n.acked === 0 || n.acked <= recovered.base) return;
    const changed = n.logKnown && n.log.lastIndex >= n.acked && recovered.lastIndex >= n.acked && recovered.prefixHash(n.acked) !== n.log.prefixHash(n.acked);
    if (recovered.lastIndex >= n.acked && !changed) return;
    const k = changed ? n.log.firstDifference(recovered, n.acked)! : 0;
    this.fail({
      rule: 'acknowledged-durable', line, nodes: [n.id], terms: [n.term],
      message: `${n.id} restarted with ${changed ? `its entry ${k} changed (${describeChange(n.log.entry(k)!, recovered.entry(k))})` : `a log of ${recovered.lastIndex} entries`}, but it had acknowledged entries 1..${n.acked} (line ${n.ackedLine}), which it must have stored before answering`,
      expected: changed ? `entry ${k}: ${describeEntry(n.log.entry(k)!)}` : `a recovered log holding the acknowledged entries 1..${n.acked}`,
      seen: changed ? `entry ${k}: ${describeEntry(recovered.entry(k)!)}` : `${recovered.lastIndex} entries`,
      related: [n.ackedLine],
    });
    n.acked = 0; // reported once; what it acknowledges from now on is checked afresh
  }
}
