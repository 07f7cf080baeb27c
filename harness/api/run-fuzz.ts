/**
 * `runFuzz` of the programmatic API: what `raftcheck fuzz` does, returned as data. Nothing is
 * printed and the process is never exited: a bad option is a thrown UsageError, an unusable
 * input (a module that does not load, a program that does not start) an InputError.
 *
 * Without `timeLimitMs` no clock is read, so the result depends only on the options: the same
 * options give the same result, with any number of workers.
 */
import path from 'node:path';
import type { SkipRule, TraceLine } from '../../src/trace/schema.js';
import { FEATURES, isFeature, missingRequirement, type Feature } from '../../src/raft/features/index.js';
import { adapterFactory } from '../adapters/adapt.js';
import type { AdapterDefinition } from '../adapters/adapter.js';
import { profileProblem, runFeatures } from '../adapters/features.js';
import { preflight } from '../adapters/process/preflight.js';
import { mergeSkipRules, skipRuleProblem } from '../checker/skip-rules.js';
import { checkOutputDir } from '../cli/outputs.js';
import { InputError, UsageError } from '../errors.js';
import { isAdapterDefinition, isAdapterPath, loadImplementation, withProfile } from '../fuzz/implementations.js';
import { runPoolCampaign } from '../fuzz/pool-campaign.js';
import { DEFAULT_SHRINK_RUNS } from '../fuzz/run-range.js';
import { campaignCommand, formatCampaignReport, formatCampaignScope } from '../fuzz/report.js';
import { FAULT_LEVELS, type FaultLevel } from '../fuzz/schedule.js';
import { saveRegression } from '../fuzz/regression.js';
import { buildSummary, regressionOf, type FuzzSummary } from '../fuzz/summary.js';
import { defaultWorkers } from '../pool/worker-pool.js';
import type { NodeFactory } from '../simulator/cluster.js';

export interface RunFuzzOptions {
  /**
   * The implementation: a name as `raftcheck fuzz --impl` takes it ('reference',
   * 'mutant:<name>', 'cmd:<command line>', or the path of an adapter module such as
   * './test/my-adapter.ts'), or an adapter definition itself (then on this thread only:
   * `workers` must be 1, and the saved case names the adapter by its `name`).
   */
  impl: string | AdapterDefinition;
  /** Schedules to run (default 100). */
  runs?: number;
  /** The seed of the schedules (default 1). */
  seed?: number;
  /** Cluster sizes to draw from (default [3, 5]). */
  nodes?: readonly number[];
  /** 'none', 'mild' (the default), 'harsh' or 'swarm'. */
  faults?: FaultLevel;
  /** Virtual time of one run in ms (default 3000). */
  durationMs?: number;
  /** Worker threads (default: 1, or one per core for 2,000 runs or more of a named implementation). */
  workers?: number;
  /**
   * Directory where a failure's regression case is saved (default 'traces/regressions'); null
   * saves nothing. Checked before any run: one that cannot be created or written is an InputError.
   */
  out?: string | null;
  /** Wall-clock budget in ms (default: none); the runs left when it is spent are not run (`interrupted`). */
  timeLimitMs?: number;
  /** How long an external node may take to answer one request, in ms (default 5000). */
  replyTimeoutMs?: number;
  /** At most this many runs spent shrinking and minimising a failure (default 600; 0 saves the failure as found). */
  shrinkRuns?: number;
  /**
   * Semantic rules that do not apply to the implementation, each with its reason, as
   * `raftcheck fuzz --skip-rules` takes them: added to what the implementation declares (its
   * profile, a driver's reply to init), not checked, listed in the report and recorded in the
   * saved case's header, so that validate, view and replay judge it the same way.
   */
  skipRules?: ReadonlyArray<{ rule: string; reason: string }>;
  /**
   * Protocol extensions the nodes run, as `raftcheck fuzz --features` takes them ('prevote',
   * 'checkquorum', 'transfer'): any for the reference; for an adapter or a driver, absent (the
   * runs have the features it declares) or the same list (another is a UsageError).
   */
  features?: readonly string[];
  /**
   * As `raftcheck fuzz --interleave`: an asynchronous adapter module (given by its path) gets
   * messages without waiting for its earlier handlers to finish, their continuations resuming in
   * a seeded order (docs/ADAPTERS.md); conformance is then not checked. Recorded in the saved case.
   */
  interleave?: boolean;
}

export interface FuzzFailure {
  /** The rule that failed (`election-safety`, `conformance.role`, `liveness.no-leader`, ...). */
  rule: string;
  message: string;
  /** Index of the first failing run (its schedule is what was shrunk). */
  run: number;
  /** Line of the violation in `trace`. */
  line: number;
  /** Line of the violation in the failing run as found, before shrinking and minimising. */
  foundLine: number;
  /** Other rules broken at the same event, if any (linearizability first, then invariants, then conformance). */
  also: string[];
  shrinks: number;
  /** The shrunk run's trace, up to and including the violating line (and the later lines its verdict needed, if any). */
  trace: TraceLine[];
  /** The saved regression case (unless `out` is null) and whether this call created it. */
  saved: { file: string; created: boolean } | null;
  /** The command that replays the saved case (null when nothing was saved). */
  replay: string | null;
  /** The command that reruns the whole campaign. */
  rerun: string;
}

export interface FuzzResult {
  /** True when no run failed. */
  passed: boolean;
  /** The failure, shrunk; null when every run passed. */
  failure: FuzzFailure | null;
  /** The JSON summary `raftcheck fuzz --summary` writes (runs evaluated, events, outcomes, the failure's case). */
  summary: FuzzSummary;
  /** The report `raftcheck fuzz` prints. */
  report: string;
  /** The rules the runs did not check, with their reasons: the implementation's declared ones, then `skipRules`. */
  skipped: SkipRule[];
}

/** Above this many runs a named implementation runs on every core by default (as the CLI does). */
const PARALLEL_MIN_RUNS = 2000;

function integer(name: string, value: number | undefined, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min || value > max) throw new UsageError(`${name}: expected an integer between ${min} and ${max}, got ${String(value)}`);
  return value;
}

/** `skipRules` checked as --skip-rules is: known rule ids, each with a reason. */
function skipRulesOf(list: RunFuzzOptions['skipRules']): SkipRule[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new UsageError('skipRules: expected an array of { rule, reason }');
  return list.map((entry: unknown, i) => {
    const { rule, reason } = (typeof entry === 'object' && entry !== null ? entry : {}) as { rule?: unknown; reason?: unknown };
    if (typeof rule !== 'string' || typeof reason !== 'string') throw new UsageError(`skipRules/${i}: expected { rule, reason }, got ${JSON.stringify(entry)}`);
    const problem = skipRuleProblem(rule, reason);
    if (problem) throw new UsageError(`skipRules/${i}: ${problem}`);
    return { rule, reason };
  });
}

async function implementation(impl: string | AdapterDefinition, replyTimeoutMs: number | undefined, interleave: boolean): Promise<{ name: string; createNode: NodeFactory }> {
  if (typeof impl !== 'string') {
    if (interleave) throw new UsageError('interleave: give the asynchronous adapter module by its path (impl), as --impl takes it');
    if (!isAdapterDefinition(impl)) throw new UsageError('impl: expected a name or an adapter definition ({ name, create }; see docs/ADAPTERS.md)');
    // As for an adapter module: a misspelt rule would skip nothing, an unknown feature be judged as missing.
    const problem = profileProblem(impl.profile);
    if (problem) throw new UsageError(`impl: ${impl.name}: profile.${problem}`);
    return { name: impl.name, createNode: adapterFactory(impl) };
  }
  const timeout = replyTimeoutMs !== undefined ? { replyTimeoutMs } : {};
  const createNode = await loadImplementation(impl, { process: timeout, async: { ...timeout, ...(interleave ? { interleave } : {}) } });
  if ('error' in createNode) throw new UsageError(createNode.error.startsWith('--interleave') ? createNode.error.replace(/^--interleave/, 'interleave') : `impl: ${createNode.error}`);
  if (impl.startsWith('cmd:') || isAdapterPath(impl)) preflight(createNode);
  return { name: impl, createNode };
}

/** `features` checked as --features is (known names), then against what the implementation declares. */
function featuresOf(createNode: NodeFactory, list: RunFuzzOptions['features']): Feature[] {
  if (list !== undefined && !Array.isArray(list)) throw new UsageError("features: expected an array of feature names ('prevote', 'checkquorum', 'transfer')");
  const unknown = list?.find((f) => typeof f !== 'string' || !isFeature(f));
  if (unknown !== undefined) throw new UsageError(`features: unknown feature ${JSON.stringify(unknown)} (known: ${FEATURES.join(', ')})`);
  const missing = list ? missingRequirement(list as string[]) : null;
  if (missing) throw new UsageError(`features: ${missing}`);
  const features = runFeatures(createNode, list as Feature[] | undefined);
  if ('error' in features) throw new UsageError(`features: ${features.error}: leave features out, or give the same list`);
  return features;
}

/** Runs a fuzzing campaign against an implementation; a failure is shrunk and (unless `out` is null) saved as a regression case. */
export async function runFuzz(options: RunFuzzOptions): Promise<FuzzResult> {
  const runs = integer('runs', options.runs, 100, 1);
  const seed = integer('seed', options.seed, 1, -(2 ** 31), 2 ** 31 - 1);
  const nodes = [...(options.nodes ?? [3, 5])].map((n) => integer('nodes', n, 3, 1, 9));
  if (nodes.length === 0) throw new UsageError('nodes: expected at least one cluster size');
  const faults = options.faults ?? 'mild';
  if (!FAULT_LEVELS.includes(faults)) throw new UsageError(`faults: expected one of ${FAULT_LEVELS.join(', ')}, got '${String(faults)}'`);
  const durationMs = integer('durationMs', options.durationMs, 3000, 0);
  const replyTimeoutMs = options.replyTimeoutMs === undefined ? undefined : integer('replyTimeoutMs', options.replyTimeoutMs, 0, 1);
  const timeLimitMs = options.timeLimitMs === undefined ? undefined : integer('timeLimitMs', options.timeLimitMs, 0, 0);
  const shrinkRuns = integer('shrinkRuns', options.shrinkRuns, DEFAULT_SHRINK_RUNS, 0);
  const named = typeof options.impl === 'string';
  const workers = integer('workers', options.workers, named && runs >= PARALLEL_MIN_RUNS ? defaultWorkers() : 1, 1, 1024);
  if (!named && workers > 1) throw new UsageError('workers: an adapter definition runs on this thread only; give its module path as impl to use worker threads');
  const extra = skipRulesOf(options.skipRules);
  if (options.interleave !== undefined && typeof options.interleave !== 'boolean') throw new UsageError(`interleave: expected true or false, got ${JSON.stringify(options.interleave)}`);
  const interleave = options.interleave === true;
  const found = await implementation(options.impl, replyTimeoutMs, interleave);
  const name = found.name;
  // Read after the preflight: an external node's profile is what its program declared then.
  const declared = found.createNode.profile;
  const createNode = extra.length ? withProfile(found.createNode, { ...declared, skipRules: mergeSkipRules(declared?.skipRules ?? [], extra) }) : found.createNode;
  const skipped = [...(createNode.profile?.skipRules ?? [])].map((s) => ({ rule: s.rule, reason: s.reason }));
  const features = featuresOf(createNode, options.features);
  const out = options.out === undefined ? 'traces/regressions' : options.out;
  // Before any run: a directory that cannot take the case fails now, not after the campaign.
  if (out !== null) checkOutputDir('out', out);

  // The only clock readings: the time limit, when one is asked for, and the timing of the runs
  // apart from the time spent shrinking their failure (the summary's `timing`, as the CLI's).
  const started = performance.now();
  let searchMs = 0;
  // As the CLI's: what was added to the implementation's declaration is part of the campaign (its summary, its rerun command).
  const withFeatures = features.length > 0 ? { features } : {};
  const campaign = { impl: name, seed, runs, nodes, faults, durationMs, ...withFeatures, ...(extra.length ? { skipRules: extra } : {}), ...(interleave ? { interleave: true as const } : {}), ...(shrinkRuns !== DEFAULT_SHRINK_RUNS ? { shrinkRuns } : {}) };
  const result = await runPoolCampaign({
    impl: name, spec: { seed, nodes, faults, durationMs, ...withFeatures }, range: { start: 0, end: runs }, workers, createNode, shrinkRuns, skipRules: skipped, interleave,
    onRunsDone: () => (searchMs = performance.now() - started),
    ...(replyTimeoutMs !== undefined ? { replyTimeoutMs } : {}),
    ...(timeLimitMs !== undefined ? { remainingMs: () => timeLimitMs - (performance.now() - started) } : {}),
  });
  const timing = { searchMs: Math.round(searchMs), shrinkMs: result.failure ? Math.round(performance.now() - started - searchMs) : 0 };
  const summary = buildSummary(campaign, null, result, timing);
  let saved: { file: string; created: boolean } | undefined;
  if (summary.failure && out !== null) {
    const { meta, lines } = regressionOf(summary.failure);
    try {
      saved = saveRegression(out, lines, meta, lines.length);
    } catch (error) {
      throw new InputError(`out: cannot save the regression case in ${out}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const report = formatCampaignReport(summary, { ...(saved ? { saved } : {}), ...(timeLimitMs !== undefined ? { timeLimitMs } : {}) }) + formatCampaignScope(skipped, summary.notModelled);
  const f = summary.failure;
  const failure: FuzzFailure | null = f && {
    rule: f.rule, message: f.message, run: f.index, line: f.line, foundLine: f.foundLine, also: f.also ?? [], shrinks: f.shrinks, trace: f.regression.lines as TraceLine[],
    saved: saved ?? null, replay: saved ? `npx raftcheck replay ${path.normalize(saved.file)}` : null, rerun: `npx ${campaignCommand(campaign, null)}`,
  };
  return { passed: failure === null, failure, summary, report, skipped };
}
