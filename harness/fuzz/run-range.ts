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
import type { NodeFactory } from '../simulator/cluster.js';
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
  return rule !== 'driver.timeout';
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
  shrinks: number;
  /** fast-check's replay path of the shrunk counterexample. */
  path: string;
}

export interface ShrinkOptions {
  timeLimitMs?: number;
  /** Shrink (default true); false keeps the generated schedule. */
  shrink?: boolean;
  /** Metadata written into the failing run's header. */
  meta?: Record<string, unknown>;
  /** After each shrinking attempt: attempts so far, and how many of them found a smaller failing schedule. */
  onShrinkStep?: (attempts: number, smaller: number) => void;
}

/**
 * Replays the failing run `index` and shrinks it to a minimal schedule, exactly as a
 * sequential fast-check campaign over the same seed would have.
 */
export function shrinkRun(spec: RunSpec, createNode: NodeFactory, index: number, options: ShrinkOptions = {}): ShrunkFailure {
  let schedule = scheduleAt(spec, index);
  let shrinks = 0;
  let path = String(index);
  if (options.shrink !== false) {
    let attempts = -1; // the first call replays the failing run itself
    let smaller = 0;
    const property = fc.property(arbitrary(spec), (s) => {
      const ok = runSchedule(s, createNode).ok;
      if (++attempts > 0) {
        if (!ok) smaller++;
        options.onShrinkStep?.(attempts, smaller);
      }
      return ok;
    });
    const details = fc.check(property, { seed: spec.seed, path: String(index), numRuns: 1, ...timeLimit(options.timeLimitMs) });
    if (details.failed && details.counterexample) {
      schedule = details.counterexample[0];
      shrinks = details.numShrinks;
      path = details.counterexamplePath ?? path;
    } else if (!details.interrupted) {
      throw new Error(`run ${index} of seed ${spec.seed} failed once and passed when replayed: the implementation is not deterministic`);
    }
  }
  const outcome = runSchedule(schedule, createNode, { keepLines: true, ...(options.meta ? { meta: options.meta } : {}) });
  if (outcome.ok) throw new Error(`run ${index} of seed ${spec.seed} failed once and passed when replayed: the implementation is not deterministic`);
  return { index, schedule, outcome, shrinks, path };
}
