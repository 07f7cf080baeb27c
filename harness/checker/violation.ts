/** A broken rule, located in the trace and explained for people. */
export interface Violation {
  /** Rule id (see spec/invariants.md). */
  rule: string;
  /** 1-based line of the first violating event. */
  line: number;
  nodes: string[];
  terms: number[];
  /** One sentence: what went wrong. */
  message: string;
  expected?: string;
  seen?: string;
  /** Lines of earlier events that explain the violation (for excerpts). */
  related?: number[];
  /**
   * Other rules the same event breaks, reported after this one (set on the first violation of
   * an event only; see `rulePriority` in semantic-checker.ts for the order).
   */
  also?: string[];
}

export type Report = (violation: Violation) => void;
