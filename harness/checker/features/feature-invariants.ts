/**
 * The rules of the protocol extensions a trace's header declares (./rules.ts), on the same
 * streaming pass as the cluster invariants. Each feature's rules live in their own file and
 * run only when the header switches the feature on.
 */
import type { Header, NodeTraceEvent, TraceEvent } from '../../../src/trace/schema.js';
import type { Report, Violation } from '../violation.js';
import { CheckQuorumRules } from './checkquorum-rules.js';
import { MembershipRules } from './membership-rules.js';
import { absorb, newFacts, type NodeFacts } from './node-facts.js';
import { PreVoteRules } from './prevote-rules.js';
import { TransferRules } from './transfer-rules.js';

interface FeatureRuleSet {
  event(n: NodeFacts, e: NodeTraceEvent, line: number): void;
}

export class FeatureInvariants {
  private readonly facts = new Map<string, NodeFacts>();
  private readonly sets: FeatureRuleSet[] = [];

  constructor(header: Header, private readonly report: Report, private readonly enabled?: ReadonlySet<string>) {
    const features = new Set(header.features ?? []);
    const majority = Math.floor(header.nodes.length / 2) + 1;
    const electionTimeout = { min: header.params?.electionTimeoutMin ?? 150, max: header.params?.electionTimeoutMax ?? 300 };
    const on = (rule: string) => this.enabled === undefined || this.enabled.has(rule);
    const fail = (v: Violation) => this.report(v);
    if (features.has('prevote')) this.sets.push(new PreVoteRules(fail, majority, electionTimeout.min, on));
    if (features.has('checkquorum')) this.sets.push(new CheckQuorumRules(fail, header.nodes, majority, electionTimeout, on));
    if (features.has('transfer')) this.sets.push(new TransferRules(fail, on));
    if (features.has('membership')) this.sets.push(new MembershipRules(fail, header, on));
    for (const id of header.nodes) this.facts.set(id, newFacts(id));
  }

  /** True when the header declares no feature: nothing to check. */
  get empty(): boolean {
    return this.sets.length === 0;
  }

  event(e: TraceEvent, line: number): void {
    if (!('node' in e) || e.node === undefined || e.kind === 'note') return;
    const n = this.facts.get(e.node);
    if (!n) return;
    const event = e as NodeTraceEvent;
    absorb(n, event);
    for (const set of this.sets) set.event(n, event, line);
  }
}
