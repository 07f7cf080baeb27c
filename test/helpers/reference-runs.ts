/**
 * Faulty schedules and the reference's run of each: the raw material of the property tests
 * that edit reference traces (sparsification: what a trace may leave out raises no alarm;
 * miss hunt: what no freedom explains is caught).
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { runSchedule } from '../../harness/fuzz/run-schedule.js';
import { scheduleArbitrary } from '../../harness/fuzz/schedule.js';
import { ALL_FEATURES } from '../../src/raft/features/index.js';
import { createReferenceNode } from '../../src/raft/node.js';
import type { TraceLine } from '../../src/trace/schema.js';

const LEVELS = ['mild', 'harsh', 'swarm'] as const;

/** A schedule of 3 or 5 nodes over 1.5 s at any fault level, with a seed for the edits. */
export const schedules = fc.tuple(fc.constantFrom(...LEVELS), fc.integer({ min: 0, max: 2 ** 31 - 1 })).chain(([level, seed]) =>
  fc.tuple(scheduleArbitrary(level, [3, 5], 1500), fc.constant(seed)));

/**
 * The same, with protocol extensions on: any non-empty set of those other than membership (the
 * regression cases found on these keep their seeds and paths); `membershipSchedules` add it.
 */
const FEATURES = ALL_FEATURES.filter((f) => f !== 'membership');
export const featureSchedules = fc.tuple(fc.constantFrom(...LEVELS), fc.subarray([...FEATURES], { minLength: 1 }), fc.integer({ min: 0, max: 2 ** 31 - 1 })).chain(([level, features, seed]) =>
  fc.tuple(scheduleArbitrary(level, [3, 5], 1500, features), fc.constant(seed)));

/** Membership changes with any set of the other protocol extensions (every composition). */
export const membershipSchedules = fc.tuple(fc.constantFrom(...LEVELS), fc.subarray([...FEATURES]), fc.integer({ min: 0, max: 2 ** 31 - 1 })).chain(([level, features, seed]) =>
  fc.tuple(scheduleArbitrary(level, [3, 5], 1500, [...features, 'membership']), fc.constant(seed)));

/** The reference's trace of a schedule (which it must pass). */
export function referenceRun(schedule: Parameters<typeof runSchedule>[0]): TraceLine[] {
  const outcome = runSchedule(schedule, createReferenceNode, { keepLines: true });
  expect(outcome.ok).toBe(true);
  return outcome.lines;
}
