/**
 * A fuzzing campaign in the calling thread: fast-check generates schedules, each run is
 * checked as it goes, the first failure is shrunk to a short run (run-range.ts, minimise.ts).
 * (Campaigns over worker threads and shards: pool-campaign.ts, built from the same two steps
 * of run-range.ts.)
 */
import type { Feature } from '../../src/raft/features/index.js';
import type { NodeFactory } from '../simulator/cluster.js';
import { evaluateRange, shrinkRun, worthShrinking, type RangeOptions, type ShrunkFailure } from './run-range.js';
import type { FaultLevel } from './schedule.js';

export interface CampaignOptions {
  impl: string;
  createNode: NodeFactory;
  runs: number;
  seed: number;
  nodes: readonly number[];
  faults: FaultLevel;
  durationMs: number;
  /** Protocol extensions the nodes run (absent: none). */
  features?: readonly Feature[];
  /** Feature `snapshot`: the schedules' snapshot interval (absent: drawn per schedule). */
  snapshotEvery?: number;
  /** fast-check's wall-clock budget for the runs (set by the CLI, the only place that reads clocks); shrinking is bounded by `shrinkRuns` only. */
  timeLimitMs?: number;
  /** Most runs shrinking a failure may spend (default DEFAULT_SHRINK_RUNS). */
  shrinkRuns?: number;
  onRun?: RangeOptions['onRun'];
  /** Shrink a failure to a minimal schedule (default true). */
  shrink?: boolean;
  /** The implementation interleaves its handlers (--interleave): recorded in the failing run's header. */
  interleave?: boolean;
}

export interface CampaignResult {
  /** Schedules tried up to the first failure (or all of them). */
  runs: number;
  events: number;
  /** Messages the trace format does not model, over all runs, by name. */
  notModelled: Record<string, number>;
  interrupted: boolean;
  failure: ShrunkFailure | null;
}

export function runCampaign(options: CampaignOptions): CampaignResult {
  const spec = { seed: options.seed, nodes: options.nodes, faults: options.faults, durationMs: options.durationMs, ...(options.features?.length ? { features: options.features } : {}), ...(options.snapshotEvery !== undefined ? { snapshotEvery: options.snapshotEvery } : {}) };
  const limit = options.timeLimitMs !== undefined ? { timeLimitMs: options.timeLimitMs } : {};
  const range = evaluateRange(spec, options.createNode, 0, options.runs, { ...limit, ...(options.onRun ? { onRun: options.onRun } : {}) });
  const result = { runs: range.evaluated, events: range.events, notModelled: range.notModelled, interrupted: range.interrupted };
  if (range.failedAt === null) return { ...result, failure: null };
  const meta = { fuzz: { impl: options.impl, seed: options.seed, faults: options.faults, ...(options.interleave ? { interleave: true } : {}) } };
  return {
    ...result,
    failure: shrinkRun(spec, options.createNode, range.failedAt, {
      shrink: options.shrink !== false && worthShrinking(range.failedRule), foundRule: range.failedRule, meta,
      ...(options.shrinkRuns !== undefined ? { maxRuns: options.shrinkRuns } : {}),
    }),
  };
}
