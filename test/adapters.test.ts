/**
 * The adapter interface: an implementation seen only through its outputs and observations
 * (harness/adapters/adapt.ts) must yield traces that every rule can check. The reference and
 * every mutant, run through it, must behave exactly as when driven directly.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { adapterFactory } from '../harness/adapters/adapt.js';
import { referenceAdapter, referenceThroughAdapter } from '../harness/adapters/reference.js';
import { runCampaign } from '../harness/fuzz/campaign.js';
import { runSchedule } from '../harness/fuzz/run-schedule.js';
import { scheduleArbitrary } from '../harness/fuzz/schedule.js';
import { MUTANTS } from '../harness/mutants/catalogue.js';
import { createReferenceNode } from '../src/raft/node.js';

describe('the reference through the adapter interface', () => {
  it('passes every rule, conformance included, on faulty schedules', () => {
    const r = runCampaign({ impl: 'adapter:reference', createNode: referenceThroughAdapter, runs: 60, seed: 3, nodes: [3, 5], faults: 'swarm', durationMs: 2000 });
    expect(r.failure).toBeNull();
    expect(r.events).toBeGreaterThan(10_000);
  });

  it('logs the same state changes, messages and answers as the reference driven directly', () => {
    const [s] = fc.sample(scheduleArbitrary('harsh', [5]), { seed: 11, numRuns: 1 });
    const project = (lines: ReturnType<typeof runSchedule>['lines']) => lines.filter((l) => l.kind !== 'header').map((l) => {
      const { seq: _seq, state: _state, ...rest } = l as typeof l & { state?: unknown };
      return JSON.stringify(rest);
    }).sort();
    const direct = runSchedule(s!, createReferenceNode, { keepLines: true });
    const adapted = runSchedule(s!, referenceThroughAdapter, { keepLines: true });
    expect(adapted.ok).toBe(true);
    expect(project(adapted.lines)).toEqual(project(direct.lines));
  });

  it('lets every mutant of the catalogue be caught, at the same run as when driven directly', () => {
    for (const m of MUTANTS) {
      const options = { runs: 100, seed: 1, nodes: [3, 5], faults: 'mild' as const, durationMs: 3000, shrink: false };
      const adapted = runCampaign({ impl: `adapter:mutant:${m.name}`, createNode: adapterFactory(referenceAdapter(m.createNode)), ...options });
      const direct = runCampaign({ impl: `mutant:${m.name}`, createNode: m.createNode, ...options });
      expect(adapted.failure, m.name).not.toBeNull();
      expect(adapted.runs, m.name).toBe(direct.runs);
    }
  });
});
