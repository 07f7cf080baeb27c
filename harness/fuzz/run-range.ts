/**
 * The run space of a campaign: run i of a seed is the i-th schedule fast-check generates for
 * it. fast-check replays from any run index with `path: String(i)` (it skips the first i
 * random streams without generating their values), so a contiguous range of runs can be
 * evaluated anywhere — in a worker thread, on another machine — and run i is the same
 * schedule, with the same size bias, as in one sequential campaign.
 *
 * Evaluating a range stops at its first failure; shrinking is a separate, deterministic step
 * from the failing index (`shrinkRun`), done once, by whoever collects the ranges.
 */
import fc from 'fast-check';
import type { Feature } from '../../src/raft/features/index.js';
import { InputError } from '../errors.js';
import type { NodeFactory } from '../simulator/cluster.js';
import { failingFloor, minimiseSchedule, smallerRun, type FailingRun } from './minimise.js';
import { runSchedule, type ScheduleOutcome } from './run-schedule.js';
import { scheduleArbitrary, type FaultLevel, type Schedule } from './schedule.js';

/** What defines the schedules of a campaign (plain data: it crosses thread boundaries). */
export interface RunSpec {
  seed: number;
  nodes: readonly number[];
  faults: FaultLevel;
  durationMs: number;
  /** Protocol extensions the nodes run (absent: none); every schedule carries them. */
  features?: readonly Feature[];
  /** Feature `snapshot`: the schedules' snapshot interval (absent: drawn per schedule). */
  snapshotEvery?: number;
}

/** The outcome of runs start .. start + evaluated - 1 (stopping at the first failure). */
export interface RangeResult {
  start: number;
  evaluated: number;
  /** Trace events of the evaluated runs. */
  events: number;
  /** Index of the failing run (the last one evaluated), or null. */
  failedAt: number | null;
  /** The rule that failing run broke. */
  failedRule: string | null;
  /** Messages the trace format does not model, over the evaluated runs, by name. */
  notModelled: Record<string, number>;
  /** Stopped by the time limit before the range was done. */
  interrupted: boolean;
}

export interface RangeOptions {
  /** fast-check's wall-clock budget (the caller reads clocks, not this module). */
  timeLimitMs?: number;
  /** After each run: runs and events so far in this range, whether that run failed, and its schedule. */
  onRun?: (evaluated: number, events: number, failed: boolean, schedule: Schedule) => void;
}

function arbitrary(spec: RunSpec): fc.Arbitrary<Schedule> {
  return scheduleArbitrary(spec.faults, spec.nodes, spec.durationMs, spec.features ?? [], spec.snapshotEvery);
}

function timeLimit(ms: number | undefined): { interruptAfterTimeLimit?: number; markInterruptAsFailure?: boolean } {
  return ms === undefined ? {} : { interruptAfterTimeLimit: Math.max(0, ms), markInterruptAsFailure: false };
}

/** Runs `count` schedules from run index `start`, stopping at the first failure. */
export function evaluateRange(spec: RunSpec, createNode: NodeFactory, start: number, count: number, options: RangeOptions = {}): RangeResult {
  let evaluated = 0;
  let events = 0;
  let failedAt: number | null = null;
  let failedRule: string | null = null;
  const notModelled: Record<string, number> = {};
  if (count <= 0) return { start, evaluated, events, failedAt, failedRule, notModelled, interrupted: false };
  const property = fc.property(arbitrary(spec), (schedule) => {
    const outcome = runSchedule(schedule, createNode);
    events += outcome.events;
    addCounts(notModelled, outcome.notModelled);
    if (!outcome.ok) {
      failedAt = start + evaluated;
      failedRule = outcome.error?.rule ?? null;
    }
    evaluated++;
    options.onRun?.(evaluated, events, !outcome.ok, schedule);
    return outcome.ok;
  });
  const details = fc.check(property, { seed: spec.seed, path: String(start), numRuns: count, endOnFailure: true, ...timeLimit(options.timeLimitMs) });
  return { start, evaluated, events, failedAt, failedRule, notModelled, interrupted: details.interrupted && failedAt === null && evaluated < count };
}

/** Adds counts by name into `into`. */
export function addCounts(into: Record<string, number>, counts: Readonly<Record<string, number>>): void {
  for (const [name, n] of Object.entries(counts)) into[name] = (into[name] ?? 0) + n;
}

/** Whether a failure is worth shrinking: a node that hangs is not (every attempt would wait out the reply timeout). */
export function worthShrinking(rule: string | null): boolean {
  return rule !== 'driver.timeout' && rule !== 'adapter.timeout';
}

/** The schedule of run `index`, as generated (not shrunk). */
export function scheduleAt(spec: RunSpec, index: number): Schedule {
  return fc.sample(arbitrary(spec), { seed: spec.seed, path: String(index), numRuns: 1 })[0]!;
}

export interface ShrunkFailure {
  /** The run index whose schedule failed first. */
  index: number;
  schedule: Schedule;
  /** The shrunk schedule's run, its lines kept (for the regression case). */
  outcome: ScheduleOutcome;
  /** Smaller failing schedules found, by fast-check and then by minimisation. */
  shrinks: number;
  /** fast-check's replay path of its shrunk counterexample (before minimisation). */
  path: string;
  /** Line of the violation in the failing run as generated, before shrinking. */
  foundLine: number;
  /** Runs spent shrinking and minimising. */
  shrinkRuns: number;
}

/** Runs a failure may spend on shrinking, by default: a third for fast-check, the rest for minimisation. */
export const DEFAULT_SHRINK_RUNS = 600;

export interface ShrinkOptions {
  /** Shrink (default true); false keeps the generated schedule. */
  shrink?: boolean;
  /**
   * Most runs to spend shrinking (default DEFAULT_SHRINK_RUNS). A count, never a time, so
   * that a failure shrinks to the same case on every machine and under any load.
   */
  maxRuns?: number;
  /** Metadata written into the failing run's header. */
  meta?: Record<string, unknown>;
  /** The rule the failing run broke when it was found (a timeout that does not come back is slowness, not a bug). */
  foundRule?: string | null;
  /** After each shrinking attempt: attempts so far, and how many of them found a smaller failing schedule. */
  onShrinkStep?: (attempts: number, smaller: number) => void;
}

/**
 * Replays the failing run `index` and shrinks it in two deterministic steps, each bounded by a
 * count of runs: fast-check's shrinking of the schedule (as a sequential fast-check campaign
 * over the same seed would, up to a third of the budget), then minimisation of the run
 * (minimise.ts: fewer nodes, no idle time, fewer heartbeats). Both keep only schedules that
 * fail with the rule the failing run broke.
 */
export function shrinkRun(spec: RunSpec, createNode: NodeFactory, index: number, options: ShrinkOptions = {}): ShrunkFailure {
  const notDeterministic = (what = 'failed once and passed when replayed') => new Error(`run ${index} of seed ${spec.seed} ${what}: the implementation is not deterministic`);
  const generated = scheduleAt(spec, index);
  /**
   * The floor run fails as the run found did: the run as generated is replayed once (its line
   * is reported, and it must fail again), then only minimisation's passes that can still help.
   */
  const shrunkFromFloor = (floor: FailingRun): ShrunkFailure => {
    const replay = runSchedule(generated, createNode);
    if (replay.ok) throw notDeterministic();
    const maxRuns = (options.maxRuns ?? DEFAULT_SHRINK_RUNS) - 2;
    const minimised = minimiseSchedule(floor, createNode, { maxRuns, onRun: (r, k) => options.onShrinkStep?.(2 + r, 1 + k) });
    const outcome = runSchedule(minimised.schedule, createNode, { keepLines: true, ...(options.meta ? { meta: options.meta } : {}) });
    if (outcome.ok || outcome.error?.rule !== minimised.outcome.error?.rule || outcome.error?.line !== minimised.outcome.error?.line) throw notDeterministic('shrunk, gave another verdict when replayed');
    return { index, schedule: minimised.schedule, outcome, shrinks: 1 + minimised.kept, path: String(index), foundLine: replay.error!.line, shrinkRuns: 2 + minimised.runs };
  };
  if (options.shrink === false) {
    const outcome = runSchedule(generated, createNode, { keepLines: true, ...(options.meta ? { meta: options.meta } : {}) });
    if (outcome.ok && options.foundRule && !worthShrinking(options.foundRule)) {
      throw new InputError(`run ${index} of seed ${spec.seed} failed with [${options.foundRule}] (no answer within the reply timeout) and answered in time when replayed: the node was slow, not wrong (is the machine overloaded?); raise --reply-timeout`);
    }
    if (outcome.ok) throw notDeterministic();
    return { index, schedule: generated, outcome, shrinks: 0, path: String(index), foundLine: outcome.error!.line, shrinkRuns: 0 };
  }
  const maxRuns = options.maxRuns ?? DEFAULT_SHRINK_RUNS;
  // The floor and the replay are two runs: a smaller budget keeps to fast-check's replay.
  const floor = options.foundRule && maxRuns >= 2 ? failingFloor(generated, createNode, options.foundRule) : null;
  if (floor) return shrunkFromFloor(floor);
  const fastCheckRuns = Math.floor(maxRuns / 3);
  let rule: string | undefined;
  let foundLine = 0;
  let attempts = -1; // the first call replays the failing run itself
  let smaller = 0;
  /** The failing run as generated, and fast-check's last (smallest) failing run. */
  const runsSeen: { found: FailingRun | null; last: FailingRun | null } = { found: null, last: null };
  // Past its budget, every candidate "passes" unrun: fast-check then ends with the smallest failure found.
  const property = fc.property(arbitrary(spec), (s) => {
    if (attempts >= fastCheckRuns) return true;
    const outcome = runSchedule(s, createNode);
    const failed = !outcome.ok && (rule === undefined || outcome.error?.rule === rule);
    if (++attempts === 0) {
      rule = outcome.error?.rule;
      foundLine = outcome.error?.line ?? 0;
      if (failed) runsSeen.found = { schedule: s, outcome };
    } else {
      if (failed) smaller++;
      options.onShrinkStep?.(attempts, smaller);
    }
    if (failed) runsSeen.last = { schedule: s, outcome };
    return !failed;
  });
  const details = fc.check(property, { seed: spec.seed, path: String(index), numRuns: 1 });
  const { found, last } = runsSeen;
  if (!details.failed || !details.counterexample || !found || !last) throw notDeterministic();
  let shrunk: FailingRun = last;
  if (JSON.stringify(shrunk.schedule) !== JSON.stringify(details.counterexample[0])) {
    shrunk = { schedule: details.counterexample[0], outcome: runSchedule(details.counterexample[0], createNode) };
  }
  const fastCheckAttempts = Math.max(0, attempts);
  // From fast-check's result first; then, with the runs left, from the run as found (fast-check
  // makes the schedule smaller, not the run, which is sometimes longer than found).
  let runs = fastCheckAttempts;
  let kept = smaller;
  const minimise = (start: FailingRun) => {
    const before = { runs, kept };
    const result = minimiseSchedule(start, createNode, {
      maxRuns: maxRuns - runs,
      onRun: (r, k) => options.onShrinkStep?.(before.runs + r, before.kept + k),
    });
    runs += result.runs;
    kept += result.kept;
    return result;
  };
  let minimised = minimise(shrunk);
  if (runs < maxRuns && JSON.stringify(found.schedule) !== JSON.stringify(shrunk.schedule)) {
    const second = minimise(found);
    if (smallerRun(second, minimised)) minimised = second;
  }
  const outcome = runSchedule(minimised.schedule, createNode, { keepLines: true, ...(options.meta ? { meta: options.meta } : {}) });
  if (outcome.ok || outcome.error?.rule !== minimised.outcome.error?.rule || outcome.error?.line !== minimised.outcome.error?.line) throw notDeterministic('shrunk, gave another verdict when replayed');
  return {
    index, schedule: minimised.schedule, outcome, shrinks: kept, path: details.counterexamplePath ?? String(index),
    foundLine, shrinkRuns: runs,
  };
}
