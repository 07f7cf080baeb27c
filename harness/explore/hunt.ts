/** Explore against a mutant at its small bounds (mutant-bounds.ts): the shortest counterexample, for MUTANTS.md. */
import { buildModel } from './build-model.js';
import type { ExploreBounds } from './model.js';
import { MUTANT_BOUNDS } from './mutant-bounds.js';
import { explore } from './search.js';

export interface ExploreHunt {
  bounds: ExploreBounds;
  detected: boolean;
  rule?: string;
  /** Actions of the shortest counterexample, and its trace's lines up to the violation (from the header on). */
  steps?: number;
  traceLines?: number;
  /** Distinct states found before the violation (or in all, if none). */
  states: number;
}

/** Null when the mutant has no bounds registered. */
export function exploreMutant(name: string): ExploreHunt | null {
  const bounds = MUTANT_BOUNDS[name];
  if (!bounds) return null;
  const model = buildModel(`mutant:${name}`, bounds);
  if ('error' in model) throw new Error(model.error);
  const r = explore(model);
  const v = r.violation;
  return v
    ? { bounds, detected: true, rule: v.rule, steps: v.actions.length, traceLines: v.line!, states: r.stats.distinct }
    : { bounds, detected: false, states: r.stats.distinct };
}
