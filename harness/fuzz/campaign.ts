/**
 * A fuzzing campaign: fast-check generates schedules, each run is checked as it goes, the
 * first failure is shrunk to a minimal schedule, and that case is saved as a regression trace.
 */
import fc from 'fast-check';
import type { NodeFactory } from '../simulator/cluster.js';
import { runSchedule, type ScheduleOutcome } from './run-schedule.js';
import { scheduleArbitrary, type FaultLevel, type Schedule } from './schedule.js';

export interface CampaignOptions {
  impl: string;
  createNode: NodeFactory;
  runs: number;
  seed: number;
  nodes: readonly number[];
  faults: FaultLevel;
  durationMs: number;
  /** fast-check's own wall-clock budget (set by the CLI, the only place that reads clocks). */
  timeLimitMs?: number;
  onRun?: (runs: number, events: number, failed: boolean) => void;
  /** Shrink a failure to a minimal schedule (default true). */
  shrink?: boolean;
}

export interface CampaignResult {
  /** Schedules tried before the first failure (or all of them). */
  runs: number;
  /** Schedule executions, shrinking included. */
  executions: number;
  events: number;
  /** Messages the trace format does not model, over all runs, by name. */
  notModelled: Record<string, number>;
  interrupted: boolean;
  failure: null | {
    schedule: Schedule;
    outcome: ScheduleOutcome;
    shrinks: number;
    path: string;
  };
}

export function runCampaign(options: CampaignOptions): CampaignResult {
  let runs = 0;
  let events = 0;
  const notModelled: Record<string, number> = {};
  // A node that hangs is not shrunk: every attempt would wait out the reply timeout.
  let hung = false;
  const property = fc.property(scheduleArbitrary(options.faults, options.nodes, options.durationMs), (schedule) => {
    if (hung) return true;
    const outcome = runSchedule(schedule, options.createNode);
    runs++;
    events += outcome.events;
    for (const [name, count] of Object.entries(outcome.notModelled)) notModelled[name] = (notModelled[name] ?? 0) + count;
    options.onRun?.(runs, events, !outcome.ok);
    if (outcome.error?.rule === 'driver.timeout') hung = true;
    return outcome.ok;
  });
  const details = fc.check(property, {
    seed: options.seed,
    numRuns: options.runs,
    endOnFailure: options.shrink === false,
    ...(options.timeLimitMs ? { interruptAfterTimeLimit: options.timeLimitMs, markInterruptAsFailure: false } : {}),
  });
  if (!details.failed || !details.counterexample) return { runs: details.numRuns, executions: runs, events, notModelled, interrupted: details.interrupted, failure: null };
  const schedule = details.counterexample[0];
  const outcome = runSchedule(schedule, options.createNode, { keepLines: true, meta: { fuzz: { impl: options.impl, seed: options.seed, faults: options.faults } } });
  return { runs: details.numRuns, executions: runs, events, notModelled, interrupted: details.interrupted, failure: { schedule, outcome, shrinks: details.numShrinks, path: details.counterexamplePath ?? '' } };
}
