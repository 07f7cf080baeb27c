/**
 * The JSON summary of a campaign or of one shard (`raftcheck fuzz --summary FILE`), which
 * `raftcheck merge-results` combines. Apart from `timing` (the wall-clock time to the first
 * failure and the time spent shrinking it), it holds only what the seed, the options and the
 * shard determine, so the same command writes the same summary but for `timing`, and the
 * merge of all shards equals the summary of one unsharded campaign. A failure carries its
 * regression case in full, so a merge needs nothing but the summaries.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { TraceLine } from '../../src/trace/schema.js';
import { traceLineValidator } from '../trace/validator.js';
import { VERSION } from '../version.js';
import type { PoolCampaignResult } from './pool-campaign.js';
import { caseHash, isRegressionMeta, verdictLines, type RegressionMeta } from './regression.js';
import { FAULT_LEVELS, type FaultLevel } from './schedule.js';
import { FEATURES } from '../../src/raft/features/index.js';
import type { Shard } from './shard.js';
import type { ShrunkFailure } from './run-range.js';

export const SUMMARY_FORMAT = 'raftcheck-fuzz-summary';

const Count = Type.Integer({ minimum: 0 });
const Milliseconds = Type.Number({ minimum: 0 });
const Closed = <T extends Parameters<typeof Type.Object>[0]>(properties: T) => Type.Object(properties, { additionalProperties: false });

const CampaignSchema = Closed({
  impl: Type.String({ minLength: 1 }),
  seed: Type.Integer(),
  runs: Type.Integer({ minimum: 1 }),
  nodes: Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1 }),
  faults: Type.Union(FAULT_LEVELS.map((f) => Type.Literal(f))),
  durationMs: Count,
  /** Protocol extensions the nodes ran (absent: none). */
  features: Type.Optional(Type.Array(Type.Union(FEATURES.map((f) => Type.Literal(f))))),
  /** Rules skipped by the command line (--skip-rules), with their reasons: part of what the campaign is. */
  skipRules: Type.Optional(Type.Array(Closed({ rule: Type.String({ minLength: 1 }), reason: Type.String({ minLength: 1 }) }))),
  /** --interleave (present only when on). */
  interleave: Type.Optional(Type.Literal(true)),
  /** --snapshot-every (with the snapshot feature; absent: the default interval). */
  snapshotEvery: Type.Optional(Type.Integer({ minimum: 1 })),
  /** --shrink-runs, present only when not the default: the bound decides which case is saved. */
  shrinkRuns: Type.Optional(Type.Integer({ minimum: 0 })),
});

const SummarySchema = Closed({
  format: Type.Literal(SUMMARY_FORMAT),
  version: Type.Literal(1),
  /** The raftcheck that wrote it: every shard of a campaign must run the same one. */
  raftcheck: Type.String(),
  campaign: CampaignSchema,
  /** null: the whole run space (an unsharded campaign, or a merge). */
  shard: Type.Union([Type.Null(), Closed({ index: Type.Integer({ minimum: 1 }), count: Type.Integer({ minimum: 1 }) })]),
  /** Run indexes start .. end - 1. */
  range: Closed({ start: Count, end: Count }),
  /** Runs evaluated (from range.start, up to and including the first failure). */
  evaluated: Count,
  events: Count,
  /** Messages the trace format does not model (carried, logged as notes, not checked), by name. */
  notModelled: Type.Record(Type.String(), Count),
  /** The time limit stopped the runs before the range was done. */
  interrupted: Type.Boolean(),
  outcomes: Closed({ passed: Count, failed: Count, notRun: Count }),
  /**
   * Wall-clock time, the one part that depends on the machine: the runs up to the first
   * failure (or all of them), and shrinking it (0 without a failure). In a merge: the runs of
   * the shards walked, added up, and the failing shard's shrinking. Absent when not measured.
   */
  timing: Type.Optional(Closed({ searchMs: Milliseconds, shrinkMs: Milliseconds })),
  failure: Type.Union([
    Type.Null(),
    Closed({
      /** Run index of the first failing schedule. */
      index: Count,
      rule: Type.String(),
      message: Type.String(),
      /** Line of the violation in the shrunk run's trace. */
      line: Count,
      /** Other rules broken at the same event (harness/checker/verdict-order.ts). */
      also: Type.Optional(Type.Array(Type.String())),
      /** Line of the violation in the failing run as generated, before shrinking. */
      foundLine: Count,
      /** Smaller failing schedules found while shrinking, and the runs that took. */
      shrinks: Count,
      shrinkRuns: Count,
      /** fast-check's replay path of its shrunk counterexample (before minimisation). */
      path: Type.String(),
      /** The regression case: its file name, and its header's metadata and lines. */
      regression: Closed({ file: Type.String({ pattern: '^[^/\\\\]+\\.jsonl$' }), meta: Type.Unknown(), lines: Type.Array(Type.Unknown(), { minItems: 1 }) }),
    }),
  ]),
});

export type CampaignParams = Static<typeof CampaignSchema> & { faults: FaultLevel };
export type FuzzSummary = Static<typeof SummarySchema>;
export type SummaryFailure = NonNullable<FuzzSummary['failure']>;

export type Timing = NonNullable<FuzzSummary['timing']>;

export function buildSummary(campaign: CampaignParams, shard: Shard | null, result: PoolCampaignResult, timing?: Timing): FuzzSummary {
  const { range, evaluated, events, notModelled, interrupted, failure } = result;
  const failed = failure ? 1 : 0;
  const summary: FuzzSummary = {
    format: SUMMARY_FORMAT, version: 1, raftcheck: VERSION, campaign, shard, range, evaluated, events, notModelled, interrupted,
    outcomes: { passed: evaluated - failed, failed, notRun: range.end - range.start - evaluated },
    failure: null,
    ...(timing ? { timing } : {}),
  };
  if (!failure) return summary;
  const error = failure.outcome.error!;
  const meta = failureMeta(campaign, failure);
  return {
    ...summary,
    failure: {
      index: failure.index, rule: error.rule, message: error.message, line: error.line, ...(error.also ? { also: error.also } : {}), foundLine: failure.foundLine,
      shrinks: failure.shrinks, shrinkRuns: failure.shrinkRuns, path: failure.path,
      regression: { file: `${error.rule}-${caseHash(campaign.impl, failure.schedule, campaign.interleave)}.jsonl`, meta, lines: verdictLines(failure.outcome) },
    },
  };
}

/** The regression metadata of a campaign's (shrunk) failure. */
export function failureMeta(campaign: Pick<CampaignParams, 'impl' | 'seed' | 'faults' | 'interleave'>, failure: ShrunkFailure): RegressionMeta {
  const error = failure.outcome.error!;
  return {
    impl: campaign.impl, ...(campaign.interleave ? { interleave: true } : {}), schedule: failure.schedule, rule: error.rule, line: error.line, message: error.message,
    // The failing run's position in the whole campaign: the same whichever shard found it.
    found: { seed: campaign.seed, faults: campaign.faults, runs: failure.index + 1 },
  };
}

/** The regression case of a summary's failure, typed (parseSummary has checked it). */
export function regressionOf(failure: SummaryFailure): { meta: RegressionMeta; lines: TraceLine[] } {
  return { meta: failure.regression.meta as RegressionMeta, lines: failure.regression.lines as TraceLine[] };
}

/** Parses and checks a summary file's text; an error is one line naming the field. */
export function parseSummary(text: string): FuzzSummary | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { error: `not JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  const first = Value.Errors(SummarySchema, value).First();
  if (first) return { error: `${first.path || '/'}: ${first.message}${first.path === '/format' ? ` (expected '${SUMMARY_FORMAT}': a summary written by raftcheck fuzz --summary)` : ''}` };
  const summary = value as FuzzSummary;
  const { range, evaluated, outcomes, failure } = summary;
  if (range.start > range.end || evaluated > range.end - range.start) return { error: '/evaluated: more runs than its range holds' };
  if (outcomes.passed + outcomes.failed !== evaluated || outcomes.notRun !== range.end - range.start - evaluated) return { error: '/outcomes: do not add up to the runs evaluated' };
  if (failure) {
    if (failure.index < range.start || failure.index >= range.end) return { error: `/failure/index: run ${failure.index} is outside the range ${range.start}..${range.end - 1}` };
    if (!isRegressionMeta(failure.regression.meta)) return { error: '/failure/regression/meta: not a regression case (no schedule and implementation)' };
    const validate = traceLineValidator();
    const bad = failure.regression.lines.findIndex((line) => !validate(line));
    if (bad >= 0) return { error: `/failure/regression/lines/${bad}: not a trace line` };
  }
  return summary;
}
