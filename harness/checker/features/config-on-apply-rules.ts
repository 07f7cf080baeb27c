/**
 * Rules of feature `config-on-apply` (./rules.ts): `config-on-apply.in-effect`,
 * `config-on-apply.one-change`, `config-on-apply.prior-applied`. They retime membership's
 * (./membership-rules.ts): a configuration takes effect when its entry is applied, so the
 * configuration in effect at a node — for membership.election-quorum and the other features'
 * quorums — is the latest configuration entry at or under what it has applied; and they take
 * the place of membership.in-effect (for `config` events; a snapshot still carries the
 * configuration at its last index), membership.one-change and membership.term-commit.
 *
 * What a node has applied is read from its `apply` events and its state's `lastApplied`; a node
 * that logs neither is bounded by its commitIndex (applied ≤ committed), which judges only what
 * is certain: a switch to, or a change over, an entry beyond it.
 */
import type { Header, NodeTraceEvent } from '../../../src/trace/schema.js';
import type { Report } from '../violation.js';
import { MembershipRules, sameServers, show, type Configuration, type Member } from './membership-rules.js';
import type { NodeFacts } from './node-facts.js';

interface Applied {
  /** The last index the node applied (null: unknown, after a restart without its persisted state). */
  applied: number | null;
  /** It logs what it applies (an `apply` event or a state's `lastApplied`): `applied` follows it. */
  logsApplies: boolean;
  /** Its commitIndex as last logged. */
  commit: number;
  /** The configuration its last `config` event, restart or install put it in (null: unknown). */
  current: Configuration | null;
}

export class ConfigOnApplyRules extends MembershipRules {
  private readonly applied = new Map<Member, Applied>();

  constructor(report: Report, header: Header, on: (rule: string) => boolean) {
    super(report, header, on);
    for (const m of this.members.values()) this.applied.set(m, { applied: 0, logsApplies: false, commit: 0, current: this.initial });
  }

  private of(m: Member): Applied {
    return this.applied.get(m)!;
  }

  /** What bounds the node's applied index: lastApplied where it logs it, else its commitIndex. */
  private bound(a: Applied): { value: number; what: string } | null {
    if (a.logsApplies) return a.applied === null ? null : { value: a.applied, what: 'lastApplied' };
    return { value: a.commit, what: 'commitIndex' };
  }

  /** The configuration applied: the latest entry at or under lastApplied, where the log and lastApplied are known; else the one it said it switched to. */
  protected override inEffect(m: Member): Configuration | null {
    const a = this.of(m);
    if (a.logsApplies && a.applied !== null && m.terms !== null && m.logsAppends) return m.configs.filter((c) => c.index <= a.applied!).at(-1) ?? this.initial;
    return a.current;
  }

  override event(n: NodeFacts, e: NodeTraceEvent, line: number): void {
    const m = this.members.get(n.id);
    if (!m) return;
    const a = this.of(m);
    switch (e.kind) {
      case 'apply':
        a.applied = e.index;
        a.logsApplies = true;
        break;
      case 'commit':
        a.commit = e.commitIndex;
        break;
      case 'restart':
        a.applied = e.persisted ? (e.persisted.snapshot?.index ?? 0) : null;
        a.commit = a.applied ?? 0;
        break;
      case 'install_snapshot':
        a.applied = e.index;
        a.commit = Math.max(a.commit, e.index);
        break;
      default:
        break;
    }
    if (e.state?.lastApplied !== undefined) {
      a.applied = e.state.lastApplied;
      a.logsApplies = true;
    }
    if (e.state?.commitIndex !== undefined) a.commit = e.state.commitIndex;
    super.event(n, e, line);
    // What the node is in now, as far as the event shows it.
    if (e.kind === 'restart') a.current = e.persisted ? (m.terms !== null ? (m.configs.filter((c) => c.index <= m.base).at(-1) ?? this.initial) : null) : null;
    if (e.kind === 'install_snapshot') a.current = e.config ? { index: e.config.index, voters: e.config.voters, learners: e.config.learners } : null;
    if (e.kind === 'config') a.current = { index: e.index, voters: e.voters, learners: e.learners };
  }

  /** A leader's change (`config-on-apply.one-change`, `.prior-applied`), instead of membership.one-change and membership.term-commit. */
  protected override checkChange(n: NodeFacts, m: Member, index: number, line: number): void {
    const bound = this.bound(this.of(m));
    if (bound === null) return;
    const pending = m.configs.at(-1);
    if (pending && pending.index > bound.value && this.on('config-on-apply.one-change')) {
      this.report({
        rule: 'config-on-apply.one-change', line, nodes: [n.id], terms: [n.term],
        message: `leader ${n.id} of term ${n.term} appended a configuration change at index ${index} while the change at index ${pending.index} was not applied (its ${bound.what} is ${bound.value})`,
        expected: `no configuration entry above ${bound.what} ${bound.value}`, seen: `configuration entry at index ${pending.index}`,
      });
      return;
    }
    const start = m.ownStart;
    if (start && start.term === n.term && bound.value < start.index - 1 && this.on('config-on-apply.prior-applied')) {
      this.report({
        rule: 'config-on-apply.prior-applied', line, nodes: [n.id], terms: [n.term],
        message: `leader ${n.id} of term ${n.term} appended a configuration change at index ${index} before applying the entries of earlier terms (through index ${start.index - 1}; its ${bound.what} is ${bound.value})`,
        expected: `${bound.what} ≥ ${start.index - 1}`, seen: `${bound.what} ${bound.value}`,
      });
    }
  }

  /** `config-on-apply.in-effect`: a `config` event names a configuration entry the node has applied, the latest one. */
  protected override checkInEffect(n: NodeFacts, m: Member, e: Extract<NodeTraceEvent, { kind: 'config' }>, line: number): void {
    if (!this.on('config-on-apply.in-effect')) return;
    const a = this.of(m);
    const bound = this.bound(a);
    if (bound === null) return;
    const seen: Configuration = { index: e.index, voters: e.voters, learners: e.learners };
    const fail = (message: string, expected: string): void =>
      this.report({ rule: 'config-on-apply.in-effect', line, nodes: [n.id], terms: [n.term], message, expected, seen: show(seen) });
    if (e.index > bound.value) {
      fail(`${n.id} says ${show(seen)} is in effect, but it has not applied that entry (its ${bound.what} is ${bound.value}): a configuration takes effect when applied`, `a configuration entry at or under ${bound.value}`);
      return;
    }
    if (m.terms === null || !m.logsAppends) return;
    // With lastApplied known, the latest entry under it; with only commitIndex, the entry the event names must be that configuration.
    const want = a.logsApplies ? (m.configs.filter((c) => c.index <= bound.value).at(-1) ?? this.initial) : e.index === 0 ? this.initial : m.configs.find((c) => c.index === e.index);
    if (want && want.index === e.index && sameServers(want.voters, e.voters) && sameServers(want.learners, e.learners)) return;
    if (!want && e.index <= m.base) return; // under the snapshot: not shown
    fail(
      want ? `${n.id} says ${show(seen)} is in effect, but the configuration it has applied is ${show(want)}` : `${n.id} says ${show(seen)} is in effect, but its log holds no configuration entry at index ${e.index}`,
      want ? show(want) : `a configuration entry at index ${e.index}`,
    );
  }
}
