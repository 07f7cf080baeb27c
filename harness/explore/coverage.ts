/**
 * Transition coverage of an exhaustive search: how many of the search's steps (each distinct
 * state and action once) took each transition of the statechart. Within the bounds, a
 * transition never taken is unreachable. Written as JSON by `raftcheck explore --coverage
 * FILE`; `raftcheck diagram --coverage FILE` draws it like the coverage of traces.
 */
import { describeStatechart, type StatechartDiagram } from '../../src/raft/diagram.js';
import { transitionRows, type TakenTransition } from '../../src/raft/transitions.js';

export const COVERAGE_FORMAT = 'raftcheck-explore-coverage';

export interface ExploreCoverage {
  format: typeof COVERAGE_FORMAT;
  version: 1;
  /** What was searched (implementation and bounds, as explore prints them). */
  scope: string;
  transitions: Array<{ from: string; event: string; position: number; to: string | null; count: number }>;
}

/** Counts transitions by diagram row. */
export class CoverageCounter {
  readonly diagram: StatechartDiagram = describeStatechart();
  readonly counts: number[] = new Array<number>(this.diagram.transitions.length).fill(0);
  private readonly rowOf = transitionRows(this.diagram);
  readonly onTransition = (t: TakenTransition): void => {
    const row = this.rowOf(t);
    if (row >= 0) this.counts[row]!++;
  };

  toJson(scope: string): ExploreCoverage {
    // The position of a transition in its state's list for its event, as the diagram orders them.
    const seen = new Map<string, number>();
    return {
      format: COVERAGE_FORMAT, version: 1, scope,
      transitions: this.diagram.transitions.map((t, row) => {
        const group = `${t.from}\u0000${t.event}`;
        const position = seen.get(group) ?? 0;
        seen.set(group, position + 1);
        return { from: t.from, event: t.event, position, to: t.to, count: this.counts[row]! };
      }),
    };
  }
}

/** Counts by row of `diagram` from an explore coverage file's JSON, or null if the value is not one. */
export function countsFromCoverage(value: unknown, diagram: StatechartDiagram): number[] | null {
  const c = value as Partial<ExploreCoverage> | null;
  if (typeof c !== 'object' || c === null || c.format !== COVERAGE_FORMAT || !Array.isArray(c.transitions)) return null;
  const rowOf = transitionRows(diagram);
  const counts = new Array<number>(diagram.transitions.length).fill(0);
  for (const t of c.transitions) {
    const row = rowOf({ from: t.from, event: t.event, position: t.position, to: t.to });
    if (row >= 0 && Number.isSafeInteger(t.count) && t.count >= 0) counts[row] = t.count;
  }
  return counts;
}
