/**
 * The checker's rules on every step of the search, each by its one definition:
 * - the cluster invariants (spec/invariants.md) by the checker's own ClusterInvariants, forked
 *   with every state (`clone`) and fed the step's lines; its memory is part of the state
 *   (`historyKey`), so that two paths are merged only when every later verdict agrees;
 * - conformance to the reference statechart: a node of the reference conforms by construction;
 *   a mutant's step is compared with the reference's from the same state, and once a path has
 *   deviated, each of its states is judged by `raftcheck validate`'s whole pipeline on the
 *   path's trace (conformance shadows depend on the path, so only the path can tell).
 */
import { ClusterInvariants } from '../checker/invariants/cluster-invariants.js';
import type { Violation } from '../checker/violation.js';
import type { Header, TraceLine } from '../../src/trace/schema.js';
import { validateTraceText } from '../validate/validate-file.js';
import type { StepLine } from './step.js';

export interface Verdict {
  rule: string;
  message: string;
  /** 1-based line of the path's trace (set once the path's trace is judged). */
  line?: number;
}

export class StepChecker {
  private readonly found: Violation[] = [];
  private readonly report = (v: Violation): void => {
    this.found.push(v);
  };
  /** Lines are numbered globally: the register rule reports one violation per line. */
  private line = 1;

  /** The checker's memory before the first step. */
  root(header: Header): ClusterInvariants {
    return new ClusterInvariants(header, this.report);
  }

  /** The memory after `lines` (the parent's is left as it was), and what the lines broke. */
  advance(parent: ClusterInvariants, lines: readonly StepLine[]): { history: ClusterInvariants; violations: readonly Violation[] } {
    // The invariants read only node events: a step of the network alone leaves the memory as it was (shared: never mutated).
    if (!touchesNode(lines)) return { history: parent, violations: NONE };
    const history = parent.clone(this.report);
    this.found.length = 0;
    for (const l of lines) history.event(l.event, ++this.line);
    return { history, violations: this.found.length ? [...this.found] : NONE };
  }
}

/** No violation (shared: never mutated). */
const NONE: readonly Violation[] = [];

function touchesNode(lines: readonly StepLine[]): boolean {
  for (let i = 0; i < lines.length; i++) if ('node' in lines[i]!.event) return true;
  return false;
}

/** `raftcheck validate`'s first error on a whole trace, or null if it passes. */
export function judgeTrace(lines: readonly TraceLine[]): Verdict | null {
  const text = lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
  const report = validateTraceText('<explore path>', text, { maxErrors: 1 });
  const first = report.errors[0];
  return first ? { rule: first.rule, message: first.message, line: first.line } : null;
}
