/**
 * The rules of the protocol extensions a trace's header declares (./rules.ts), on the same
 * streaming pass as the cluster invariants. Each feature's rules live in their own file and
 * run only when the header switches the feature on.
 */
import type { Header, NodeTraceEvent, TraceEvent } from '../../../src/trace/schema.js';
import type { Report, Violation } from '../violation.js';
import { CheckQuorumRules } from './checkquorum-rules.js';
import { ConfigOnApplyRules } from './config-on-apply-rules.js';
import { MembershipRules } from './membership-rules.js';
import { absorb, newFacts, type NodeFacts, type VotersOf } from './node-facts.js';
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
    const electionTimeout = { min: header.params?.electionTimeoutMin ?? 150, max: header.params?.electionTimeoutMax ?? 300 };
    const on = (rule: string) => this.enabled === undefined || this.enabled.has(rule);
    const fail = (v: Violation) => this.report(v);
    // The voters whose quorum a node's pre-votes and its leadership need: every node of the
    // header, or with membership changes those of the configuration in effect at the node's log
    // (null where the trace does not show it: then those rules do not judge). Membership's rules
    // run first, so that an event's own append is in the configuration the others read.
    // Feature config-on-apply retimes membership's rules: a configuration takes effect when applied.
    const membership = !features.has('membership') ? null : features.has('config-on-apply') ? new ConfigOnApplyRules(fail, header, on) : new MembershipRules(fail, header, on);
    const votersOf: VotersOf = membership ? (node, emptyLog) => membership.votersOf(node, emptyLog) : () => header.nodes;
    if (membership) this.sets.push(membership);
    if (features.has('prevote')) this.sets.push(new PreVoteRules(fail, votersOf, membership !== null, electionTimeout.min, on));
    if (features.has('checkquorum')) this.sets.push(new CheckQuorumRules(fail, votersOf, electionTimeout, on));
    if (features.has('transfer')) this.sets.push(new TransferRules(fail, on));
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
