/**
 * Hunting a mutant: a fuzzing campaign against a cluster of mutant nodes. Records how soon the
 * first failure came (runs, and the wall time the caller measures) and, when shrinking is on,
 * how small the minimal counterexample is and what shrinking it took.
 */
import { runCampaign } from '../fuzz/campaign.js';
import type { ShrunkFailure } from '../fuzz/run-range.js';
import type { FaultLevel } from '../fuzz/schedule.js';
import type { Mutant } from './catalogue.js';
import { canonicalFeatures, type Feature } from '../../src/raft/features/index.js';

export interface HuntResult {
  detected: boolean;
  /** Schedules tried up to and including the first failing one. */
  runs: number;
  rule?: string;
  message?: string;
  /** Size of the (shrunk) counterexample: nodes, schedule events, and trace events up to the violation. */
  nodes?: number;
  scheduleEvents?: number;
  traceEvents?: number;
  /** Trace events up to the violation in the failing run as found, before shrinking. */
  foundTraceEvents?: number;
  /** Runs spent shrinking. */
  shrinkRuns?: number;
  /** The (shrunk) failing run, for saving as a regression case. */
  failure?: ShrunkFailure;
}

export interface HuntOptions {
  runs: number;
  seed: number;
  faults?: FaultLevel;
  shrink?: boolean;
  /** Wall-clock budget for the runs (not for shrinking, which is bounded by a count of runs). */
  timeLimitMs?: number;
  /** Most runs shrinking may spend (default DEFAULT_SHRINK_RUNS). */
  shrinkRuns?: number;
  /** Called once, when the first failing run ends (the CLI reads its clock there). */
  onFirstFailure?: () => void;
  /** Protocol extensions to run the mutant with, beside those it breaks one of (Mutant.features). */
  features?: readonly Feature[];
  /** Feature `snapshot`: the schedules' snapshot interval (absent: drawn per schedule). */
  snapshotEvery?: number;
}

/** The features a hunt runs with: the mutant's own and the requested ones. */
export function huntFeatures(mutant: Mutant, requested: readonly Feature[] = []): Feature[] {
  return canonicalFeatures([...requested, ...(mutant.features ?? [])]);
}

export function huntMutant(mutant: Mutant, options: HuntOptions): HuntResult {
  let first = true;
  const result = runCampaign({
    impl: `mutant:${mutant.name}`,
    createNode: mutant.createNode,
    runs: options.runs,
    seed: options.seed,
    nodes: [3, 5],
    faults: options.faults ?? 'swarm',
    durationMs: 3000,
    features: huntFeatures(mutant, options.features),
    ...(options.snapshotEvery !== undefined ? { snapshotEvery: options.snapshotEvery } : {}),
    shrink: options.shrink ?? true,
    ...(options.timeLimitMs ? { timeLimitMs: options.timeLimitMs } : {}),
    ...(options.shrinkRuns !== undefined ? { shrinkRuns: options.shrinkRuns } : {}),
    onRun: (_runs, _events, failed) => {
      if (failed && first) {
        first = false;
        options.onFirstFailure?.();
      }
    },
  });
  if (!result.failure) return { detected: false, runs: result.runs };
  const { outcome, schedule, foundLine, shrinkRuns } = result.failure;
  return {
    detected: true, runs: result.runs, rule: outcome.error!.rule, message: outcome.error!.message,
    nodes: schedule.nodes, scheduleEvents: schedule.events.length, traceEvents: outcome.error!.line, foundTraceEvents: foundLine, shrinkRuns,
    failure: result.failure,
  };
}
