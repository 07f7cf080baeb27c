import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runCampaign } from '../harness/fuzz/campaign.js';
import { resolveImplementation } from '../harness/fuzz/implementations.js';
import { caseHash, loadRegression, saveRegression } from '../harness/fuzz/regression.js';
import { runSchedule } from '../harness/fuzz/run-schedule.js';
import { evaluateRange, shrinkRun } from '../harness/fuzz/run-range.js';
import { scheduleArbitrary, type Schedule } from '../harness/fuzz/schedule.js';
import type { FuzzSummary } from '../harness/fuzz/summary.js';
import { createReferenceNode } from '../src/raft/node.js';
import { findMutant } from '../harness/mutants/catalogue.js';
import { cli } from './helpers/cli.js';

const dir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'raftcheck-fuzz-'));

describe('schedules', () => {
  it('reach hundreds of fates and dozens of events (fast-check sizes set explicitly)', () => {
    const samples = fc.sample(scheduleArbitrary('harsh', [3, 5]), { seed: 3, numRuns: 30 });
    expect(Math.max(...samples.map((s) => s.fates.length))).toBeGreaterThan(100);
    expect(Math.max(...samples.map((s) => s.events.length))).toBeGreaterThan(40);
    expect(new Set(samples.map((s) => s.nodes))).toEqual(new Set([3, 5]));
  });
  it('"none" has no loss, duplication, partition or crash; swarm varies the mix', () => {
    for (const s of fc.sample(scheduleArbitrary('none', [3]), { seed: 4, numRuns: 20 })) {
      expect(s.fates.every((f) => !f.lose && !f.duplicate)).toBe(true);
      expect(s.events.every((e) => e.action.type === 'client' || e.action.type === 'timeout')).toBe(true);
    }
    const swarm = fc.sample(scheduleArbitrary('swarm', [3]), { seed: 5, numRuns: 40 });
    const faultless = (s: Schedule) => s.events.every((e) => e.action.type === 'client' || e.action.type === 'timeout');
    expect(swarm.some(faultless)).toBe(true);
    expect(swarm.some((s) => !faultless(s))).toBe(true);
    expect(swarm.some((s) => s.events.some((e) => e.action.type === 'crash'))).toBe(true);
  });
  it('run deterministically', () => {
    const [s] = fc.sample(scheduleArbitrary('harsh', [5]), { seed: 6, numRuns: 1 });
    const a = runSchedule(s!, createReferenceNode, { keepLines: true });
    const b = runSchedule(s!, createReferenceNode, { keepLines: true });
    expect(JSON.stringify(b.lines)).toBe(JSON.stringify(a.lines));
    expect(a.ok).toBe(true);
  });
  it('turn an implementation that throws into a located failure', () => {
    const throwing = () => { throw new Error('boom'); };
    const [s] = fc.sample(scheduleArbitrary('none', [3]), { seed: 7, numRuns: 1 });
    expect(runSchedule(s!, throwing)).toMatchObject({ ok: false, error: { rule: 'exception', message: 'the implementation threw: boom' } });
  });
});

describe('campaigns', () => {
  it('find nothing in the reference', () => {
    const r = runCampaign({ impl: 'reference', createNode: createReferenceNode, runs: 40, seed: 9, nodes: [3, 5], faults: 'swarm', durationMs: 2000 });
    expect(r.failure).toBeNull();
    expect(r.runs).toBe(40);
  });
  it('find and shrink the Figure 8 mutant, and save a case that replays', () => {
    const m = findMutant('commit-old-term')!;
    const r = runCampaign({ impl: 'mutant:commit-old-term', createNode: m.createNode, runs: 200, seed: 1, nodes: [3, 5], faults: 'mild', durationMs: 3000 });
    expect(r.failure).not.toBeNull();
    const { schedule, outcome } = r.failure!;
    expect(schedule.events.length).toBeLessThanOrEqual(10);
    const out = dir();
    const meta = { impl: 'mutant:commit-old-term', schedule, rule: outcome.error!.rule, line: outcome.error!.line, message: outcome.error!.message, found: { seed: 1, faults: 'mild', runs: r.runs } };
    const saved = saveRegression(out, outcome.lines, meta);
    expect(saved.created).toBe(true);
    expect(path.basename(saved.file)).toBe(`${meta.rule}-${caseHash(meta.impl, schedule)}.jsonl`);
    expect(saveRegression(out, outcome.lines, meta).created).toBe(false); // never overwritten
    expect(loadRegression(saved.file)).toEqual(meta);
  });
});

describe('raftcheck fuzz and replay', () => {
  it('fuzz: the reference passes a short campaign (exit 0) and a mutant fails it (exit 1) with a replay command', async () => {
    const ok = await cli('fuzz', '--runs', '20', '--seed', '2', '--duration', '1s');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^reference: no failure in 20 runs/);
    const out = dir();
    const bad = await cli('fuzz', '--impl', 'mutant:vote-twice', '--runs', '50', '--seed', '1', '--out', out);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/FAILED \[vote-once\]/);
    // The second vote breaks conformance too, at the same event: the report says so.
    expect(bad.stdout).toMatch(/\n  also breaks: conformance\.unexpected \(same event\)\n/);
    const file = /regression case: (\S+)/.exec(bad.stdout)![1]!;
    expect(bad.stdout).toContain(`npx raftcheck replay ${path.normalize(file)}`);
    const replay = await cli('replay', file);
    expect(replay.code).toBe(0);
    expect(replay.stdout).toMatch(/mutant:vote-twice fails \[vote-once\].*\(as expected\)\n.*reference passes \(as expected\)/);
    const other = await cli('replay', '--impl', 'mutant:commit-old-term', file);
    expect(other.code).toBe(0);
  });
  it('fuzz: reports the time to the first failure apart from the time spent shrinking: in the report, the JSON summary and --progress', async () => {
    const r = await cli('fuzz', '--impl', 'mutant:vote-twice', '--runs', '50', '--seed', '1', '--out', dir(), '--json', '--progress');
    expect(r.code).toBe(1);
    const summary = JSON.parse(r.stdout) as FuzzSummary;
    expect(summary.timing).toEqual({ searchMs: expect.any(Number), shrinkMs: expect.any(Number) });
    const f = summary.failure!;
    expect(f.line).toBeLessThan(f.foundLine);
    expect(r.stderr).toMatch(/\nfirst failure: run 0, after \d+\.\d s\n/);
    expect(r.stderr).toMatch(new RegExp(`\rshrinking: ${f.shrinkRuns} of at most 600 runs, \\d+ smaller failing schedules, \\d+\\.\\d s`));
    expect(r.stderr).toContain(`FAILED [vote-once] at run 0 after 1 run (${summary.events} events, first failure after ${(summary.timing!.searchMs / 1000).toFixed(1)} s), `
      + `shrunk in ${f.shrinkRuns} runs (${(summary.timing!.shrinkMs / 1000).toFixed(1)} s) from ${f.foundLine} to ${f.line} trace lines: `);
    const passing = await cli('fuzz', '--runs', '5', '--seed', '2', '--duration', '500ms', '--json');
    expect(JSON.parse(passing.stdout)).toMatchObject({ failure: null, timing: { shrinkMs: 0 } });
    expect(passing.stderr).toMatch(/^reference: no failure in 5 runs \(\d+ events, \d+\.\d s\)/);
  });
  it('fuzz --shrink-runs 0 saves the failing run as found', async () => {
    const r = await cli('fuzz', '--impl', 'mutant:vote-twice', '--runs', '50', '--seed', '1', '--out', dir(), '--shrink-runs', '0', '--json');
    expect(r.code).toBe(1);
    const f = (JSON.parse(r.stdout) as FuzzSummary).failure!;
    expect(f).toMatchObject({ shrinkRuns: 0, shrinks: 0, line: f.foundLine });
    expect(r.stderr).toMatch(/, not shrunk \(\d+ trace lines\): 5 nodes/);
  });
  it('replay: a case whose heartbeat would stop virtual time is an input error, not a hang', async () => {
    const file = path.join(dir(), 'bad.jsonl');
    const saved = fs.readdirSync('traces/regressions').filter((f) => f.endsWith('.jsonl')).sort()[0]!;
    const [header, ...rest] = fs.readFileSync(path.join('traces/regressions', saved), 'utf8').split('\n');
    const h = JSON.parse(header!) as { meta: { regression: { schedule: Schedule } } };
    h.meta.regression.schedule.heartbeatMs = 0;
    fs.writeFileSync(file, [JSON.stringify(h), ...rest].join('\n'));
    const r = await cli('replay', file);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`raftcheck replay: ${file}:1: /meta/regression/schedule/heartbeatMs: must be an integer from 1 to 149 (below the election timeout), got 0\n`);
  });
  it('rejects bad options and files with exit 2 and one line', async () => {
    for (const argv of [['fuzz', '--impl', 'nope'], ['fuzz', '--faults', 'brutal'], ['fuzz', '--runs', '0'], ['fuzz', '--shrink-runs', '-1'], ['fuzz', '--shrink-runs', 'many'], ['fuzz', '--impl', 'mutant:nope'], ['replay'], ['replay', 'missing.jsonl'], ['replay', 'traces/examples/valid/election-3.jsonl']]) {
      const r = await cli(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr.split('\n')[0]).toMatch(/^raftcheck (fuzz|replay): /);
    }
  });
});

describe('implementations by name', () => {
  it('resolve the reference and mutants, and explain unknown names', () => {
    expect(resolveImplementation('reference')).toBe(createReferenceNode);
    expect(typeof resolveImplementation('mutant:vote-twice')).toBe('function');
    expect(resolveImplementation('x')).toEqual({ error: expect.stringMatching(/unknown implementation 'x'/) });
  });
  void ({} as Schedule);
});

describe('bounded liveness', () => {
  const [s] = fc.sample(scheduleArbitrary('harsh', [3]), { seed: 21, numRuns: 1 });
  it('after the faults, a leader is elected and a write commits within the window', () => {
    const r = runSchedule(s!, createReferenceNode, { keepLines: true });
    expect(r.ok).toBe(true);
    const live = r.lines.filter((l) => l.kind === 'client_response' && l.client === 'liveness' && l.result.status === 'ok');
    expect(live.length).toBeGreaterThanOrEqual(1);
    expect(r.lines.some((l) => l.kind === 'heal' || l.kind === 'restart' || l.kind === 'client_request')).toBe(true);
  });
  it('is reported as its own class of failure when the window is too short', () => {
    const r = runSchedule(s!, createReferenceNode, { livenessWindowMs: 5 });
    expect(r).toMatchObject({ ok: false, error: { rule: 'liveness', message: expect.stringMatching(/within 5 ms after the last fault healed/) } });
  });
  it('can be switched off', () => {
    expect(runSchedule(s!, createReferenceNode, { livenessWindowMs: 5, liveness: false }).ok).toBe(true);
  });
});

describe('scheduled elections (hand-written schedules)', () => {
  it('with natural elections off, only the schedule\'s timeouts start elections; liveness turns them back on', () => {
    const schedule: Schedule = { version: 1, nodes: 3, seed: 1, durationMs: 1000, batch: 64, naturalElections: false, fates: [{ lose: false, duplicate: false, delay: 2 }], events: [] };
    const quiet = runSchedule(schedule, createReferenceNode, { keepLines: true, liveness: false });
    expect(quiet.lines.filter((l) => l.kind === 'timeout')).toEqual([]);
    const forced = runSchedule({ ...schedule, events: [{ at: 10, action: { type: 'timeout', node: 1 } }] }, createReferenceNode, { keepLines: true, liveness: false });
    expect(forced.lines.find((l) => l.kind === 'role' && l.role === 'leader')).toMatchObject({ node: 'n2' });
    expect(runSchedule(schedule, createReferenceNode).ok).toBe(true); // elections resume for the liveness check
  });
  it('random schedules keep the timers and add forced election timeouts', () => {
    const samples = fc.sample(scheduleArbitrary('swarm', [3]), { seed: 6, numRuns: 30 });
    expect(samples.every((s) => s.naturalElections === undefined)).toBe(true);
    expect(samples.some((s) => s.events.some((e) => e.action.type === 'timeout'))).toBe(true);
  });
});

describe('shrinking progress', () => {
  it('reports every shrinking attempt, and how many found a smaller failing schedule', () => {
    const spec = { seed: 1, nodes: [3], faults: 'mild' as const, durationMs: 1000 };
    const mutant = resolveImplementation('mutant:commit-old-term') as Exclude<ReturnType<typeof resolveImplementation>, { error: string }>;
    const range = evaluateRange(spec, mutant, 0, 20);
    expect(range.failedAt).not.toBeNull();
    const steps: Array<[number, number]> = [];
    const failure = shrinkRun(spec, mutant, range.failedAt!, { onShrinkStep: (attempts, smaller) => steps.push([attempts, smaller]) });
    expect(steps.length).toBeGreaterThan(failure.shrinks);
    expect(steps.map(([a]) => a)).toEqual(steps.map((_, i) => i + 1));
    expect(steps.at(-1)![1]).toBe(failure.shrinks);
  });
});
