/**
 * The order of the violations in a verdict. The first violating event comes first; where one
 * event breaks several rules, the rule closest to what clients see comes first:
 * linearizability (what clients were told), then the cluster invariants (what the cluster
 * did: Figure 3 and the persistence rules), then conformance (what the reference would have
 * done), then state-consistent (a logged state that contradicts the node's own events).
 * "Two leaders in term 3" says more than "the reference would not do this", and a stale read
 * says more than either. The first violation of such an event lists the others
 * in `also`, so a report cut to one error (the fuzzer's) still says they coincide.
 */
import { CONFORMANCE_RULES } from './conformance/conformance.js';
import { FEATURE_RULE_IDS } from './features/rules.js';
import { STATE_CONSISTENT_RULE } from './invariants/cluster-invariants.js';
import { INVARIANT_IDS } from './invariants/rules.js';
import type { Violation } from './violation.js';

const CONFORMANCE_IDS: ReadonlySet<string> = new Set(CONFORMANCE_RULES.map((r) => r.id));

/**
 * Lower first: 0 linearizability, 1 an invariant, 2 conformance, 3 a state that contradicts
 * the node's own events (state-consistent: the trace disagrees with itself, which the rules
 * before it explain better where they see the same event), 4 anything else.
 */
export function rulePriority(rule: string): number {
  if (rule === 'linearizability') return 0;
  if (rule === STATE_CONSISTENT_RULE) return 3;
  if (INVARIANT_IDS.has(rule) || FEATURE_RULE_IDS.has(rule)) return 1;
  if (CONFORMANCE_IDS.has(rule)) return 2;
  return 4;
}

/**
 * Sorts in place by line, then by rule priority (stable: rules of one priority keep the order
 * they were found in), and sets `also` on the first violation of each line to the other rules
 * broken there (in that order, each once); the others of the line have none.
 */
export function orderViolations<T extends Violation>(violations: T[]): T[] {
  violations.sort((a, b) => a.line - b.line || rulePriority(a.rule) - rulePriority(b.rule));
  for (let i = 0; i < violations.length; ) {
    let j = i + 1;
    while (j < violations.length && violations[j]!.line === violations[i]!.line) j++;
    const first = violations[i]!;
    const others = [...new Set(violations.slice(i + 1, j).map((v) => v.rule))].filter((r) => r !== first.rule);
    if (others.length > 0) first.also = others;
    else delete first.also;
    for (let k = i + 1; k < j; k++) delete violations[k]!.also;
    i = j;
  }
  return violations;
}
