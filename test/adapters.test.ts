/**
 * The adapter interface: an implementation seen only through its outputs and observations
 * (harness/adapters/adapt.ts) must yield traces that every rule can check. The reference and
 * every mutant, run through it, must behave exactly as when driven directly.
 */
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { adapterFactory } from '../harness/adapters/adapt.js';
import { referenceAdapter, referenceThroughAdapter } from '../harness/adapters/reference.js';
import { runCampaign } from '../harness/fuzz/campaign.js';
import { loadImplementation, resolveImplementation } from '../harness/fuzz/implementations.js';
import { runSchedule } from '../harness/fuzz/run-schedule.js';
import { scheduleArbitrary } from '../harness/fuzz/schedule.js';
import { MUTANTS } from '../harness/mutants/catalogue.js';
import { createReferenceNode } from '../src/raft/node.js';
import { cli } from './helpers/cli.js';

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

  it('lets every mutant of the catalogue be caught, never earlier than when driven directly', () => {
    // Through the adapter the trace is derived from observations after each step, so it can
    // only show less: a truncation that re-appends the very same entries in one step leaves
    // the observed log unchanged (truncate-on-match, caught a few runs later through the
    // adapter, when its truncation shortens the log).
    let sameRun = 0;
    for (const m of MUTANTS) {
      const options = { runs: 100, seed: 1, nodes: [3, 5], faults: 'mild' as const, durationMs: 3000, shrink: false };
      const adapted = runCampaign({ impl: `adapter:mutant:${m.name}`, createNode: adapterFactory(referenceAdapter(m.createNode)), ...options });
      const direct = runCampaign({ impl: `mutant:${m.name}`, createNode: m.createNode, ...options });
      expect(adapted.failure, m.name).not.toBeNull();
      expect(direct.failure, m.name).not.toBeNull();
      expect(adapted.runs, m.name).toBeGreaterThanOrEqual(direct.runs);
      if (adapted.runs === direct.runs) sameRun++;
    }
    expect(sameRun).toBeGreaterThanOrEqual(MUTANTS.length - 1);
  });
});

describe('adapter modules by path (--impl ./my-adapter.ts)', () => {
  it('load and fuzz like a built-in implementation', async () => {
    const r = await cli('fuzz', '--impl', './test/fixtures/adapters/reference-adapter.ts', '--runs', '5', '--duration', '1s');
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^\.\/test\/fixtures\/adapters\/reference-adapter\.ts: no failure in 5 runs/);
    expect(r.code).toBe(0);
    const absolute = await loadImplementation(path.resolve('test/fixtures/adapters/reference-adapter.ts'));
    expect(typeof absolute).toBe('function');
  });

  it('explain what is wrong with a module that is missing or not an adapter (exit 2)', async () => {
    const missing = await cli('fuzz', '--impl', './no/such/adapter.ts');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^raftcheck fuzz: --impl: cannot load the adapter module .*no\/such\/adapter\.ts/);
    const wrong = await cli('fuzz', '--impl', './test/fixtures/adapters/not-an-adapter.ts');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/its default export is not an adapter definition/);
    expect(resolveImplementation('./x.ts')).toEqual({ error: expect.stringMatching(/load it with loadImplementation/) });
  });
});
