import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_HEARTBEAT_MS, frozen, minimiseSchedule, shifted, trimmed, withoutFatesDrawn, withoutNode } from '../harness/fuzz/minimise.js';
import { evaluateRange, scheduleAt, shrinkRun } from '../harness/fuzz/run-range.js';
import { runSchedule } from '../harness/fuzz/run-schedule.js';
import { scheduleArbitrary, type Schedule } from '../harness/fuzz/schedule.js';
import { findMutant } from '../harness/mutants/catalogue.js';
import { huntFeatures } from '../harness/mutants/hunt.js';
import { ALL_FEATURES as FEATURES } from '../src/raft/features/index.js';
import { createReferenceNode } from '../src/raft/node.js';

const spec = { seed: 1, nodes: [3, 5], faults: 'swarm' as const, durationMs: 3000 };

/** The first failing run of a mutant's campaign from seed 1 (with the mutant's features), as generated. */
function firstFailure(name: string) {
  const mutant = findMutant(name)!;
  const features = huntFeatures(mutant);
  const mutantSpec = { ...spec, ...(features.length > 0 ? { features } : {}) };
  const range = evaluateRange(mutantSpec, mutant.createNode, 0, 50);
  const schedule = scheduleAt(mutantSpec, range.failedAt!);
  return { createNode: mutant.createNode, index: range.failedAt!, schedule, outcome: runSchedule(schedule, mutant.createNode), spec: mutantSpec };
}

const base: Schedule = { version: 1, nodes: 3, seed: 5, durationMs: 1000, batch: 64, fates: [{ lose: false, duplicate: false, delay: 3 }], events: [] };

describe('schedule reductions', () => {
  it('dropping a node removes its events and renumbers the nodes after it', () => {
    const s: Schedule = {
      ...base,
      events: [
        { at: 10, action: { type: 'crash', node: 0 } },
        { at: 20, action: { type: 'timeout', node: 1 } },
        { at: 30, action: { type: 'client', node: 2, op: { type: 'get' } } },
        { at: 40, action: { type: 'partition', side: [0, 1, 1] } },
        { at: 50, action: { type: 'heal' } },
      ],
    };
    expect(withoutNode(s, 1)).toEqual({
      ...s,
      nodes: 2,
      events: [
        { at: 10, action: { type: 'crash', node: 0 } },
        { at: 30, action: { type: 'client', node: 1, op: { type: 'get' } } },
        { at: 40, action: { type: 'partition', side: [0, 1] } },
        { at: 50, action: { type: 'heal' } },
      ],
    });
  });
  it('dropping a node drops the transfers from and to it, and renumbers the others\' nodes and targets', () => {
    const s: Schedule = {
      ...base,
      nodes: 4,
      features: ['transfer'],
      events: [
        { at: 10, action: { type: 'transfer', node: 0, target: 1 } },
        { at: 20, action: { type: 'transfer', node: 1, target: 2 } },
        { at: 30, action: { type: 'transfer', node: 3, target: 2 } },
        { at: 40, action: { type: 'transfer', node: 2, target: 3 } },
      ],
    };
    expect(withoutNode(s, 1)).toEqual({
      ...s,
      nodes: 3,
      events: [
        { at: 30, action: { type: 'transfer', node: 2, target: 1 } },
        { at: 40, action: { type: 'transfer', node: 1, target: 2 } },
      ],
    });
  });
  it('cutting idle time moves a time and everything after it, the end of the faults included', () => {
    const s: Schedule = { ...base, events: [{ at: 100, action: { type: 'heal' } }, { at: 700, action: { type: 'heal' } }, { at: 400, action: { type: 'heal' } }] };
    expect(shifted(s, 400, 250)).toEqual({ ...s, durationMs: 750, events: [{ at: 100, action: { type: 'heal' } }, { at: 450, action: { type: 'heal' } }, { at: 150, action: { type: 'heal' } }] });
  });
  it('trimming what a failing run never used gives the same run', () => {
    const { schedule, outcome, createNode } = firstFailure('accept-stale-append');
    expect(outcome.ok).toBe(false);
    const trim = trimmed(schedule, outcome);
    expect(trim.fates.length).toBeLessThan(schedule.fates.length);
    expect(trim.durationMs).toBeLessThan(schedule.durationMs);
    const before = runSchedule(schedule, createNode, { keepLines: true });
    const after = runSchedule(trim, createNode, { keepLines: true });
    expect(after.error).toEqual(before.error);
    expect(JSON.stringify(after.lines.slice(0, after.error!.line))).toBe(JSON.stringify(before.lines.slice(0, before.error!.line)));
  });
});

describe('runs written down', () => {
  it('removing the fates drawn in a stretch of time leaves every other message its fate', () => {
    const fates = [0, 1, 2, 3, 4].map((delay) => ({ lose: delay === 2, duplicate: false, delay: delay + 1 }));
    const schedule = { ...base, fates };
    const outcome = { ...runSchedule(base, createReferenceNode), fateTimes: [0, 5, 10, 10, 20, 30, 40] };
    // Draws 2 and 3 fell in [10, 20); draws past the five fates (they cycle) are left alone.
    expect(withoutFatesDrawn({ schedule, outcome }, 10, 20)!.fates).toEqual([fates[0], fates[1], fates[4]]);
    expect(withoutFatesDrawn({ schedule, outcome }, 35, 50)).toBeNull();
    expect(withoutFatesDrawn({ schedule, outcome: { ...outcome, fateTimes: undefined } }, 10, 20)).toBeNull();
  });
  it.each(['snapshot-keep-conflicting-suffix', 'commit-old-term', 'vote-twice'])('the run of %s written down (every election forced, the liveness phase as events) fails the same way, line for line where no two things fall at one instant', (name) => {
    const { schedule, createNode } = firstFailure(name);
    const run = runSchedule(schedule, createNode, { keepLines: true, fateTimes: true });
    const f = frozen({ schedule, outcome: run })!;
    expect(f.naturalElections).toBe(false);
    for (const l of run.lines) {
      if (l.kind === 'timeout' && l.timer === 'election') expect(f.events.some((e) => e.at === l.time && e.action.type === 'timeout' && `n${e.action.node + 1}` === l.node), `${l.node} at ${l.time}`).toBe(true);
    }
    const replay = runSchedule(f, createNode, { keepLines: true });
    expect(replay.error).toEqual(run.error);
    if (name === 'vote-twice') {
      // The same lines but for the header (another schedule) and the liveness client's name.
      const same = (lines: typeof run.lines) => lines.slice(1).map((l) => JSON.stringify(l).replace(/"client":"(liveness|c\d+)","requestId":\d+/g, ''));
      expect(same(replay.lines)).toEqual(same(run.lines));
    }
  });
});

describe('minimising a failing run', () => {
  it('cuts a run whose failure needed losses and elections at the right moments (fates and elections kept in place): snapshot-keep-conflicting-suffix under 100 lines', () => {
    const { index, outcome, createNode, spec: mutantSpec } = firstFailure('snapshot-keep-conflicting-suffix');
    expect(outcome.error!.line).toBeGreaterThan(400);
    const m = shrinkRun(mutantSpec, createNode, index);
    expect(m.outcome.error!.rule).toBe('snapshot.install');
    expect(m.outcome.error!.line).toBeLessThan(100);
    expect(runSchedule(m.schedule, createNode).error).toEqual(m.outcome.error);
  });
  it('keeps the rule, never lengthens the trace, and is the same every time', () => {
    const { schedule, outcome, createNode } = firstFailure('leader-ignores-higher-term');
    const a = minimiseSchedule({ schedule, outcome }, createNode, { maxRuns: 150 });
    const b = minimiseSchedule({ schedule, outcome }, createNode, { maxRuns: 150 });
    expect(b).toEqual(a);
    expect(a.runs).toBeLessThanOrEqual(150);
    expect(a.outcome.error!.rule).toBe(outcome.error!.rule);
    expect(a.outcome.error!.line).toBeLessThan(outcome.error!.line / 3);
    const replay = runSchedule(a.schedule, createNode);
    expect(replay.error).toEqual(a.outcome.error);
  });
  it.each(['transfer-to-lagging-target', 'prevote-bumps-term', 'checkquorum-never-steps-down'])('keeps the features of %s\'s run, and what they need: the minimal case replays to the same rule', (name) => {
    const { schedule, outcome, createNode } = firstFailure(name);
    const feature = name.split('-')[0];
    expect(schedule.features).toEqual([feature]);
    const m = minimiseSchedule({ schedule, outcome }, createNode, { maxRuns: 150 });
    expect(m.schedule.features).toEqual([feature]);
    expect(m.outcome.error!.rule).toBe(outcome.error!.rule);
    expect(m.outcome.error!.line).toBeLessThanOrEqual(outcome.error!.line);
    if (feature === 'transfer') expect(m.schedule.events.some((e) => e.action.type === 'transfer')).toBe(true);
    const replay = runSchedule(m.schedule, createNode, { keepLines: true });
    expect(replay.error).toEqual(m.outcome.error);
    expect(replay.lines[0]).toMatchObject({ kind: 'header', minor: 1, features: [feature] });
  });
  it('stops at its budget of runs', () => {
    const { schedule, outcome, createNode } = firstFailure('commit-old-term');
    const runs: number[] = [];
    const r = minimiseSchedule({ schedule, outcome }, createNode, { maxRuns: 7, onRun: (n) => runs.push(n) });
    expect(runs).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(r.runs).toBe(7);
    expect(r.outcome.error!.rule).toBe(outcome.error!.rule);
  });
  it('refuses a run that did not fail', () => {
    const outcome = runSchedule(base, createReferenceNode);
    expect(() => minimiseSchedule({ schedule: base, outcome }, createReferenceNode)).toThrow(/only a failing run/);
  });
  it('shrinking a campaign\'s failure gives a short trace that breaks the rule of the run as found', () => {
    const { index, outcome, createNode } = firstFailure('skip-consistency-check');
    const steps: number[] = [];
    const f = shrinkRun(spec, createNode, index, { maxRuns: 300, onShrinkStep: (n) => steps.push(n) });
    expect(f.foundLine).toBe(outcome.error!.line);
    expect(f.outcome.error!.rule).toBe(outcome.error!.rule);
    expect(f.outcome.error!.line).toBeLessThan(100);
    expect(f.outcome.lines).toHaveLength(f.outcome.error!.line); // the run ends at its violation
    expect(f.shrinkRuns).toBeLessThanOrEqual(300);
    expect(steps).toEqual(steps.map((_, i) => i + 1));
    expect(steps.at(-1)).toBe(f.shrinkRuns);
  });
});

describe('a failure that needs no schedule', () => {
  // A node that cannot even be created fails on the trace's first line whatever the schedule.
  const cannotStart = (() => {
    throw new Error('cannot start');
  }) as unknown as typeof createReferenceNode;

  it('is minimal after the floor run (one node, no events, a reliable network): three runs, not a search', () => {
    const range = evaluateRange(spec, cannotStart, 0, 5);
    expect(range.failedRule).toBe('exception');
    const steps: number[] = [];
    const f = shrinkRun(spec, cannotStart, range.failedAt!, { foundRule: range.failedRule, onShrinkStep: (n) => steps.push(n) });
    // The floor, the run as found replayed, and the one time cut that still helps (to no time at all).
    expect(f.shrinkRuns).toBe(3);
    expect(steps).toEqual([3]);
    expect(f.schedule).toMatchObject({ nodes: 1, events: [], fates: [{ lose: false, duplicate: false, delay: 1 }], durationMs: 0 });
    expect(f.outcome.error).toMatchObject({ rule: 'exception', line: 1 });
    expect(f.foundLine).toBe(1);
  });

  it('is searched for as before when the floor passes (a mutant that needs its schedule)', () => {
    const { createNode, index, spec: mutantSpec } = firstFailure('vote-twice');
    const range = evaluateRange(mutantSpec, createNode, index, index + 1);
    const f = shrinkRun(mutantSpec, createNode, index, { foundRule: range.failedRule, maxRuns: 60 });
    expect(f.outcome.error?.rule).toBe(range.failedRule);
    expect(f.shrinkRuns).toBeGreaterThan(3);
    expect(f.schedule.nodes).toBeGreaterThan(1);
  });
});

describe('what minimisation may change', () => {
  it('the reference passes schedules of 1 to 3 nodes, the longest heartbeat, other seeds and short fault phases, with any features', () => {
    const arbitrary = fc.record({
      s: fc.subarray([...FEATURES]).chain((features) => scheduleArbitrary('swarm', [1, 2, 3], 1000, features)),
      seed: fc.integer({ min: 0, max: 7 }),
      end: fc.integer({ min: 0, max: 1000 }),
    });
    fc.assert(fc.property(arbitrary, ({ s, seed, end }) => {
      const schedule: Schedule = { ...s, seed, heartbeatMs: MAX_HEARTBEAT_MS, durationMs: end, events: s.events.filter((e) => e.at <= end) };
      const outcome = runSchedule(schedule, createReferenceNode);
      expect(outcome.error).toBeUndefined();
    }), { seed: 14, numRuns: 100 });
  });
  it('the longest heartbeat is well below the shortest election timeout, and the trace header records it', () => {
    expect(MAX_HEARTBEAT_MS).toBe(100);
    const outcome = runSchedule({ ...base, heartbeatMs: 80 }, createReferenceNode, { keepLines: true, liveness: false });
    expect(outcome.lines[0]).toMatchObject({ kind: 'header', params: { heartbeatInterval: 80, electionTimeoutMin: 150 } });
    const beats = outcome.lines.filter((l) => l.kind === 'timeout' && l.timer === 'heartbeat').map((l) => (l as { time: number }).time);
    expect(beats.length).toBeGreaterThan(3);
    expect(beats[1]! - beats[0]!).toBe(80);
  });
});
