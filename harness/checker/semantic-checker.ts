/**
 * The semantic layers of a verdict, fed one schema-valid event at a time: the cluster
 * invariants (spec/invariants.md) as the trace streams by, then client linearizability over
 * the extracted history at the end. It also notices a trace that constrains nothing, which
 * must not pass silently, and keeps a short window of recent events for excerpts.
 */
import type { Engine } from '../../src/raft/node.js';
import type { Header, TraceEvent } from '../../src/trace/schema.js';
import { Conformance, CONFORMANCE_RULES, type TransitionObserver } from './conformance/conformance.js';
import { FeatureInvariants } from './features/feature-invariants.js';
import { FEATURE_RULES } from './features/rules.js';
import { ClusterInvariants } from './invariants/cluster-invariants.js';
import { INVARIANT_RULES } from './invariants/rules.js';
import { HistoryCollector } from './linearizability/history-from-trace.js';
import { describeOp } from './linearizability/history.js';
import { orderViolations } from './verdict-order.js';
import type { Violation } from './violation.js';

export const LINEARIZABILITY_RULE = {
  id: 'linearizability',
  title: 'Client linearizability',
  statement: 'The client history (requests and their answers, unanswered ones with unknown outcome: taking effect once at any point after the request, or never) is linearizable against the single-value register (get/set/cas).',
  paper: '§8 (client interaction); Herlihy & Wing 1990',
} as const;

export const SEMANTIC_RULES = [...CONFORMANCE_RULES, ...INVARIANT_RULES, ...FEATURE_RULES, LINEARIZABILITY_RULE];

export interface SemanticOptions {
  /** Rule ids to check (default: all). */
  enabled?: ReadonlySet<string>;
  /**
   * Stop collecting after this many violations (the violations of the event that reaches the
   * limit are all kept until `finish`, which orders them and then cuts to the limit).
   */
  maxViolations?: number;
  /** Search budget of the linearizability check. */
  linearizabilityMaxSteps?: number;
  /** Told of each reference transition that explains a node's step (conformance shadows). */
  onTransition?: TransitionObserver;
  /** What runs the conformance shadows' statechart (default: the reference node's default). */
  engine?: Engine;
  /** Feature `snapshot`: forget what every node has compacted (default true; see ClusterInvariantOptions). */
  forgetCompacted?: boolean;
}

export interface ExcerptLine {
  line: number;
  event: TraceEvent;
}

export interface SemanticResult {
  /** In the order of verdict-order.ts: by line, then linearizability, invariants, conformance. */
  violations: Array<Violation & { excerpt: ExcerptLine[] }>;
  /** Events that log something a rule can check (state fields, messages, state changes, recovered state), counted up to 1: 0 means the trace constrains nothing. */
  constrainingEvents: number;
  linearizability: { operations: number; verdict: 'linearizable' | 'not-linearizable' | 'unknown' | 'skipped'; steps: number };
}

const STATE_CHANGES = new Set(['role', 'term', 'vote', 'append', 'truncate', 'commit', 'apply', 'send', 'receive', 'client_response']);
const WINDOW = 256;

export class SemanticChecker {
  private readonly invariants: ClusterInvariants;
  /** The rules of the features the header declares (null: none declared). */
  private readonly featureRules: FeatureInvariants | null;
  private readonly conformance: Conformance | null;
  private readonly history = new HistoryCollector();
  private readonly violations: Array<Violation & { excerpt: ExcerptLine[] }> = [];
  /** The last WINDOW events, in a ring (no allocation per event). */
  private readonly recentLines = new Array<number>(WINDOW).fill(0);
  private readonly recentEvents = new Array<TraceEvent | null>(WINDOW).fill(null);
  private recentCount = 0;
  private constraining = 0;
  /** The latest line of a violation kept. */
  private lastLine = 0;

  constructor(header: Header, private readonly options: SemanticOptions = {}) {
    this.invariants = new ClusterInvariants(header, (v) => this.record(v), {
      ...(options.enabled ? { enabled: options.enabled } : {}),
      ...(options.forgetCompacted !== undefined ? { forgetCompacted: options.forgetCompacted } : {}),
    });
    const featureRules = new FeatureInvariants(header, (v) => this.record(v), options.enabled);
    this.featureRules = featureRules.empty ? null : featureRules;
    this.conformance = CONFORMANCE_RULES.some((r) => this.on(r.id)) ? new Conformance(header, (v) => this.record(v), options.enabled, options.onTransition, options.engine) : null;
  }

  private on(rule: string): boolean {
    return this.options.enabled === undefined || this.options.enabled.has(rule);
  }

  /** Violations found so far (linearizability is only checked by finish()). */
  get violationCount(): number {
    return this.violations.length;
  }

  get full(): boolean {
    return this.violations.length >= (this.options.maxViolations ?? Infinity);
  }

  /**
   * Keeps a violation. Past the limit, one of an event no later than the last kept is still
   * kept: the event's violations are ordered together (verdict-order.ts), and the one that
   * comes first may be found last (the invariants run before conformance, linearizability at
   * the end); and conformance reports some violations late, when the node's later events show
   * that they were violations (a kind of change left out that the node turns out to log).
   * `finish` orders them and cuts to the limit.
   */
  private record(v: Violation): void {
    if (this.full && v.line > this.lastLine) return;
    this.lastLine = Math.max(this.lastLine, v.line);
    this.violations.push({ ...v, excerpt: this.excerpt(v) });
  }

  /** The related earlier events still in the window, and the last few events of the nodes involved. */
  private excerpt(v: Violation): ExcerptLine[] {
    const wanted = new Set(v.related ?? []);
    const nodes = new Set(v.nodes);
    const picked: ExcerptLine[] = [];
    let perNode = 0;
    const oldest = Math.max(0, this.recentCount - WINDOW);
    for (let k = this.recentCount - 1; k >= oldest && picked.length < 8; k--) {
      const event = this.recentEvents[k % WINDOW]!;
      const line = this.recentLines[k % WINDOW]!;
      const node = 'node' in event ? event.node : undefined;
      if (wanted.has(line) || (node !== undefined && nodes.has(node) && perNode++ < 5)) picked.push({ line, event });
    }
    return picked.reverse();
  }

  event(e: TraceEvent, line: number): void {
    // Only whether the trace constrains anything matters: stop looking once it does. The state
    // a restart recovers counts: terms, votes and logs are checked across restarts.
    if (this.constraining === 0 && (STATE_CHANGES.has(e.kind) || ('state' in e && e.state !== undefined && Object.keys(e.state).length > 0) || (e.kind === 'restart' && e.persisted !== undefined))) this.constraining++;
    // Which rule is reported first when several break at this event is decided by
    // orderViolations, not by the order in which the layers run.
    const before = this.violations.length;
    this.invariants.event(e, line);
    this.featureRules?.event(e, line);
    this.conformance?.event(e, line);
    if (this.on(LINEARIZABILITY_RULE.id)) this.history.event(e, line);
    this.recentLines[this.recentCount % WINDOW] = line;
    this.recentEvents[this.recentCount % WINDOW] = e;
    this.recentCount++;
    // A violation's own event belongs in its excerpt.
    for (let i = before; i < this.violations.length; i++) {
      const v = this.violations[i]!;
      if (v.line === line && v.excerpt.at(-1)?.line !== line) v.excerpt.push({ line, event: e });
    }
  }

  finish(): SemanticResult {
    let linearizability: SemanticResult['linearizability'] = { operations: this.history.size, verdict: 'skipped', steps: 0 };
    if (this.on(LINEARIZABILITY_RULE.id) && this.history.size > 0) {
      // From the last cut (history-from-trace.ts: the last witness's search, else everything since the last exact cut).
      const operations = this.history.size;
      const { result: r, history } = this.history.verdict(this.options.linearizabilityMaxSteps || undefined);
      linearizability = { operations, verdict: r.verdict, steps: r.steps };
      if (r.verdict === 'unknown') {
        // Undecided is not decided linearizable: never passed as valid.
        const first = history[0]!;
        this.record({
          rule: LINEARIZABILITY_RULE.id,
          line: first.callLine ?? 1,
          nodes: [],
          terms: [],
          message: `linearizability of the client history of ${operations} operations could not be decided: ${r.reason}`,
        });
      } else if (r.verdict === 'not-linearizable') {
        const stuck = r.stuck.map((i) => history[i]!);
        const first = stuck.reduce((a, b) => ((a.retLine ?? Infinity) <= (b.retLine ?? Infinity) ? a : b), stuck[0] ?? history[0]!);
        const prefix = r.longestPrefix.slice(-5).map((i) => describeOp(history[i]!));
        this.recordAtEnd({
          rule: LINEARIZABILITY_RULE.id,
          line: first.retLine ?? first.callLine ?? 1,
          nodes: [],
          terms: [],
          message: `the client history of ${operations} operations is not linearizable: no order explains ${describeOp(first)}`,
          expected: `an operation consistent with the register holding ${JSON.stringify(r.stateAfterPrefix)} after the longest explainable prefix (${r.longestPrefix.length} operations${prefix.length ? `, ending: ${prefix.join('; ')}` : ''})`,
          seen: stuck.map(describeOp).join('; '),
          related: [first.callLine ?? 1, ...(first.retLine !== undefined ? [first.retLine] : [])],
        });
      }
    }
    orderViolations(this.violations);
    if (this.violations.length > (this.options.maxViolations ?? Infinity)) this.violations.length = this.options.maxViolations!;
    return { violations: this.violations, constrainingEvents: this.constraining, linearizability };
  }

  /**
   * A violation found after the stream (linearizability): kept if it would come before the
   * cut, wherever its line is (its event may precede those of violations already kept).
   */
  private recordAtEnd(v: Violation): void {
    if (this.full && v.line > this.lastLine) return;
    this.violations.push({ ...v, excerpt: this.excerpt(v) });
  }
}
