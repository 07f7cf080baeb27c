/**
 * Rules of membership changes (./rules.ts): `membership.election-quorum`,
 * `membership.one-change`, `membership.term-commit`, `membership.in-effect`. Each node's
 * configuration entries are followed from what it logs (appends, truncations, a restart's
 * persisted log, a state's log), as are the votes it received in its term and the first entry
 * of the term it leads; its commitIndex is read in the state of the append judged (any commit
 * may be left out of a trace). What a trace does not show is left unjudged.
 */
import type { Entry, Header, NodeTraceEvent } from '../../../src/trace/schema.js';
import type { Report } from '../violation.js';
import type { NodeFacts } from './node-facts.js';

export interface Configuration {
  index: number;
  voters: readonly string[];
  learners: readonly string[];
}

export interface Member {
  /**
   * Feature snapshot: the last index its snapshot covers (0: none). The checker forgets the
   * terms under it, but keeps the configuration in effect there (the snapshot carries it).
   */
  base: number;
  /** The terms of its log's entries after `base` (null while unknown: a restart without its log, an append past its known end). */
  terms: number[] | null;
  /** The configuration entries of its log, ascending, the snapshot's first if any (meaningful where `terms` is known). */
  configs: Configuration[];
  /**
   * It logs its appends (it has logged one: a producer logs every change of a kind or none), so
   * its log, once shown whole (from the start, a restart's persisted log, a state's log), stays known.
   */
  logsAppends: boolean;
  /** Granted votes of `votesTerm` the node received. */
  votesTerm: number;
  votes: Set<string>;
  /** The first entry of term `term` the node appended as its leader. */
  ownStart: { term: number; index: number } | null;
}

function configurationOf(entry: Entry, index: number): Configuration | null {
  const c = entry.command;
  return c.type === 'config' ? { index, voters: c.voters, learners: c.learners } : null;
}

/** The configuration a snapshot logs (`config`), undefined if it logs none. */
function carriedBy(c: { index: number; voters: readonly string[]; learners: readonly string[] } | undefined): Configuration | undefined {
  return c ? { index: c.index, voters: c.voters, learners: c.learners } : undefined;
}

export function sameServers(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export function show(c: Configuration): string {
  return `${c.index === 0 ? 'the initial configuration' : `the configuration of entry ${c.index}`} (voters {${c.voters.join(',')}}${c.learners.length ? `, learners {${c.learners.join(',')}}` : ''})`;
}

export class MembershipRules {
  protected readonly members = new Map<string, Member>();
  protected readonly initial: Configuration;

  constructor(protected readonly report: Report, header: Header, protected readonly on: (rule: string) => boolean) {
    this.initial = { index: 0, voters: header.params?.voters ?? header.nodes, learners: header.params?.learners ?? [] };
    for (const id of header.nodes) this.members.set(id, { base: 0, terms: [], configs: [], logsAppends: false, votesTerm: -1, votes: new Set(), ownStart: null });
  }

  /**
   * The voters of the configuration in effect at the node's log now (null: unknown), for the
   * other features' rules, whose quorums follow the configuration (./feature-invariants.ts).
   */
  votersOf(node: string, emptyLog = false): readonly string[] | null {
    const m = this.members.get(node);
    if (!m) return null;
    // A log the event shows empty holds no configuration entry: the initial one is in effect.
    return this.inEffect(m)?.voters ?? (emptyLog ? this.initial.voters : null);
  }

  /** The configuration in effect at the node's log (null: unknown): the latest in it (a configuration takes effect when appended). */
  protected inEffect(m: Member): Configuration | null {
    return this.latest(m);
  }

  /** The latest configuration in the node's log (null: unknown). */
  protected latest(m: Member): Configuration | null {
    return m.terms === null || !m.logsAppends ? null : (m.configs.at(-1) ?? this.initial);
  }

  /**
   * The node's log is now exactly `log` after a snapshot through `base` (0: none) carrying the
   * configuration `under` (null: the initial one; undefined: not shown, so unknown).
   */
  private showLog(m: Member, log: readonly Entry[], base = 0, under: Configuration | null | undefined = null): void {
    m.base = base;
    if (under === undefined) {
      m.terms = null;
      return;
    }
    m.terms = log.map((x) => x.term);
    m.configs = [...(under ? [under] : []), ...log.flatMap((x, i) => configurationOf(x, base + i + 1) ?? [])];
  }

  private truncate(m: Member, fromIndex: number): void {
    if (m.terms && m.base + m.terms.length >= fromIndex) m.terms.length = Math.max(0, fromIndex - 1 - m.base);
    while ((m.configs.at(-1)?.index ?? 0) >= fromIndex) m.configs.pop();
  }

  /**
   * Feature snapshot: the node's log is compacted through `index` (a snapshot taken, or one
   * installed keeping the entries after it; `kept` false: the whole log replaced). The terms
   * under it are forgotten; the configuration in effect at `index` stays — the one the log
   * shows (a snapshot taken), else the one the snapshot logs (`carried`; absent: unknown).
   */
  private compact(m: Member, index: number, kept: boolean, carried: Configuration | undefined, trustLog: boolean): void {
    const known = m.terms !== null && trustLog ? (m.configs.filter((c) => c.index <= index).at(-1) ?? this.initial) : carried;
    if (!known) {
      m.terms = null;
      m.base = index;
      return;
    }
    const after = kept && m.terms !== null ? m.configs.filter((c) => c.index > index) : [];
    const terms = kept && m.terms !== null ? m.terms.slice(Math.max(0, index - m.base)) : [];
    m.base = index;
    m.terms = terms;
    m.configs = [...(known.index > 0 ? [known] : []), ...after];
  }

  event(n: NodeFacts, e: NodeTraceEvent, line: number): void {
    const m = this.members.get(n.id);
    if (!m) return;
    switch (e.kind) {
      case 'append':
        m.logsAppends = true;
        this.append(n, m, e, line);
        break;
      case 'truncate':
        this.truncate(m, e.fromIndex);
        break;
      case 'restart':
        m.ownStart = null;
        if (e.persisted) {
          const snap = e.persisted.snapshot;
          this.showLog(m, e.persisted.log, snap?.index ?? 0, snap ? carriedBy(snap.config) : null);
        } else m.terms = null;
        break;
      case 'snapshot':
        // Its own snapshot: the configuration at its index is the one its log shows, and the one it must carry.
        this.checkSnapshotConfig(n, m, e, line);
        this.compact(m, e.index, true, carriedBy(e.config), true);
        break;
      case 'install_snapshot':
        // A received snapshot replaces the prefix: its configuration is the one it carries.
        this.compact(m, e.index, e.logKept, carriedBy(e.config), false);
        break;
      case 'receive':
        // Votes of an older term than the newest seen never count (a late response).
        if (e.msg.type === 'RequestVoteResponse' && e.msg.voteGranted && e.msg.term >= m.votesTerm) {
          if (m.votesTerm !== e.msg.term) {
            m.votesTerm = e.msg.term;
            m.votes = new Set();
          }
          m.votes.add(e.msg.from);
        }
        break;
      case 'role':
        if (e.role === 'leader') this.checkElection(n, m, line);
        break;
      case 'config':
        this.checkInEffect(n, m, e, line);
        break;
      default:
        break;
    }
    const s = e.state;
    if (s?.log !== undefined && e.kind !== 'receive') {
      // With a snapshot, a logged log holds the entries after it; the configuration under it stays.
      const base = s.snapshotIndex ?? m.base;
      const under = base === 0 ? null : base === m.base && m.terms !== null ? (m.configs.filter((c) => c.index <= base).at(-1) ?? null) : undefined;
      this.showLog(m, s.log, base, under);
    }
  }

  /**
   * An append, as TRACE_FORMAT.md defines it: an entry whose term differs from the one at its
   * index replaces it and deletes all after it; entries that agree (same index and term: Log
   * Matching, which its own rule checks) stay, and so do those after them. An append past the
   * known end of the log leaves it unknown.
   */
  private append(n: NodeFacts, m: Member, e: Extract<NodeTraceEvent, { kind: 'append' }>, line: number): void {
    const asLeader = n.role === 'leader';
    for (let k = 0; k < e.entries.length; k++) {
      const entry = e.entries[k]!;
      const index = e.index + k;
      if (asLeader && entry.term === n.term && (m.ownStart === null || m.ownStart.term !== n.term)) m.ownStart = { term: n.term, index };
      const terms = m.terms;
      if (terms === null || index <= m.base) continue; // under the snapshot: committed, the node's already
      if (index > m.base + terms.length + 1) {
        m.terms = null;
        continue;
      }
      if (terms[index - 1 - m.base] === entry.term) continue;
      this.truncate(m, index);
      terms.push(entry.term);
      const theirs = configurationOf(entry, index);
      if (!theirs) continue;
      if (asLeader && entry.term === n.term) this.checkChange(n, m, index, line, e.state?.commitIndex);
      m.configs.push(theirs);
    }
  }

  /**
   * A leader appends a configuration entry at `index`, of its term. Its commitIndex then: the
   * one its append's state logs, and only that (a trace may leave out any commit, so the last
   * one logged may be behind: judging by it was a false alarm on sparse traces).
   */
  protected checkChange(n: NodeFacts, m: Member, index: number, line: number, logged: number | undefined): void {
    const commit = logged ?? null;
    if (commit === null) return;
    const pending = m.configs.at(-1);
    if (pending && pending.index > commit && this.on('membership.one-change')) {
      this.report({
        rule: 'membership.one-change', line, nodes: [n.id], terms: [n.term],
        message: `leader ${n.id} of term ${n.term} appended a configuration change at index ${index} while the change at index ${pending.index} was not committed (its commitIndex is ${commit})`,
        expected: `no configuration entry above commitIndex ${commit}`, seen: `configuration entry at index ${pending.index}`,
      });
      return;
    }
    const start = m.ownStart;
    if (start && start.term === n.term && commit < start.index && this.on('membership.term-commit')) {
      this.report({
        rule: 'membership.term-commit', line, nodes: [n.id], terms: [n.term],
        message: `leader ${n.id} of term ${n.term} appended a configuration change at index ${index} before committing any entry of its term (its first is at index ${start.index}; its commitIndex is ${commit})`,
        expected: `commitIndex ≥ ${start.index} (an entry of term ${n.term} committed)`, seen: `commitIndex ${commit}`,
      });
    }
  }

  private checkElection(n: NodeFacts, m: Member, line: number): void {
    if (!n.logsReceives || !this.on('membership.election-quorum')) return;
    const config = this.inEffect(m);
    if (!config) return;
    const votes = m.votesTerm === n.term ? [...m.votes].filter((v) => config.voters.includes(v) && v !== n.id) : [];
    const count = votes.length + (config.voters.includes(n.id) ? 1 : 0);
    const quorum = Math.floor(config.voters.length / 2) + 1;
    if (count >= quorum) return;
    this.report({
      rule: 'membership.election-quorum', line, nodes: [n.id], terms: [n.term],
      message: `${n.id} became leader of term ${n.term} with ${count} vote${count === 1 ? '' : 's'} of the voters of ${show(config)}, short of a majority of ${quorum}`,
      expected: `${quorum} votes of {${config.voters.join(',')}}`, seen: `${count}${votes.length ? ` (${votes.join(', ')}${config.voters.includes(n.id) ? ` and ${n.id}` : ''})` : ''}`,
    });
  }

  /** A snapshot taken carries the configuration in effect at its last index (thesis §5.4.2): the latest at or under it in the node's log. */
  private checkSnapshotConfig(n: NodeFacts, m: Member, e: Extract<NodeTraceEvent, { kind: 'snapshot' }>, line: number): void {
    if (!this.on('membership.in-effect') || m.terms === null || !m.logsAppends) return;
    const want = m.configs.filter((c) => c.index <= e.index).at(-1) ?? this.initial;
    const seen = carriedBy(e.config);
    if (seen && want.index === seen.index && sameServers(want.voters, seen.voters) && sameServers(want.learners, seen.learners)) return;
    this.report({
      rule: 'membership.in-effect', line, nodes: [n.id], terms: [n.term],
      message: `${n.id}'s snapshot through index ${e.index} carries ${seen ? show(seen) : 'no configuration'}, but the configuration in effect there is ${show(want)}`,
      expected: show(want), seen: seen ? show(seen) : 'no config',
    });
  }

  protected checkInEffect(n: NodeFacts, m: Member, e: Extract<NodeTraceEvent, { kind: 'config' }>, line: number): void {
    if (!this.on('membership.in-effect')) return;
    const want = this.latest(m);
    if (!want) return;
    if (want.index === e.index && sameServers(want.voters, e.voters) && sameServers(want.learners, e.learners)) return;
    this.report({
      rule: 'membership.in-effect', line, nodes: [n.id], terms: [n.term],
      message: `${n.id} says ${show(e)} is in effect, but the latest configuration in its log is ${show(want)}`,
      expected: show(want), seen: show(e),
    });
  }
}
