import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runCampaign } from '../harness/fuzz/campaign.js';
import { mergeSummaries } from '../harness/fuzz/merge-results.js';
import { planChunks, runPoolCampaign } from '../harness/fuzz/pool-campaign.js';
import { evaluateRange, scheduleAt } from '../harness/fuzz/run-range.js';
import { scheduleArbitrary } from '../harness/fuzz/schedule.js';
import { parseShard, shardRange } from '../harness/fuzz/shard.js';
import { buildSummary, parseSummary, type FuzzSummary } from '../harness/fuzz/summary.js';
import { findMutant } from '../harness/mutants/catalogue.js';
import evaluateRangeTask from '../harness/fuzz/range-worker.js';
import validateTask from '../harness/validate/validate-worker.js';
import { createReferenceNode } from '../src/raft/node.js';
import { cli } from './helpers/cli.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'raftcheck-scaling-'));
const readSummary = (file: string): FuzzSummary => {
  const s = parseSummary(fs.readFileSync(file, 'utf8'));
  if ('error' in s) throw new Error(s.error);
  return s;
};
/** A summary's text without its wall-clock `timing`, the one part that depends on the machine. */
const untimed = (file: string): string => {
  const { timing, ...rest } = JSON.parse(fs.readFileSync(file, 'utf8')) as FuzzSummary;
  expect(timing).toEqual({ searchMs: expect.any(Number), shrinkMs: expect.any(Number) });
  return JSON.stringify(rest);
};

// A campaign whose first failure (run 19) lies in the middle of its 40 runs, in the second of
// three shards and the third chunk, with the third shard passing: every path of the merge.
// (A mutant whose counterexample shrinks in a few seconds: the test shrinks it several times.)
// Shrinking bounded at 60 runs: the test shrinks the same failure three times.
const MUTANT = ['--impl', 'mutant:commit-without-min', '--runs', '40', '--seed', '30', '--nodes', '3', '--faults', 'mild', '--duration', '1s', '--shrink-runs', '60'];
const spec = { seed: 30, nodes: [3], faults: 'mild' as const, durationMs: 1000 };

describe('shards', () => {
  it('parse i/n numbered from 1, and reject anything else in one line', () => {
    expect(parseShard('2/8')).toEqual({ index: 2, count: 8 });
    expect(parseShard(' 1 / 1 ')).toEqual({ index: 1, count: 1 });
    for (const bad of ['3/2', '0/0', '0/4', '1/0', 'x', '1/', '/2', '-1/2', '1.5/2', '']) expect(parseShard(bad), bad).toHaveProperty('error');
  });
  it('of a campaign cover exactly its run indexes, in order, without overlap', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 64 }), (runs, n) => {
      fc.pre(n <= runs);
      let next = 0;
      for (let i = 1; i <= n; i++) {
        const r = shardRange(runs, { index: i, count: n });
        expect(r.start).toBe(next);
        expect(r.end).toBeGreaterThan(r.start);
        next = r.end;
      }
      expect(next).toBe(runs);
    }));
    expect(shardRange(7, null)).toEqual({ start: 0, end: 7 });
    expect(shardRange(2 ** 52, { index: 3, count: 3 }).end).toBe(2 ** 52); // no precision lost
  });
});

describe('the run space', () => {
  it('run i is the i-th schedule of a sequential campaign, wherever it is evaluated', () => {
    const sequential = fc.sample(scheduleArbitrary(spec.faults, spec.nodes, spec.durationMs), { seed: spec.seed, numRuns: 12 });
    for (const i of [0, 5, 11]) expect(scheduleAt(spec, i)).toEqual(sequential[i]);
  });
  it('n shards, cut into chunks, run exactly the schedules of one unsharded campaign', () => {
    const runs = 30;
    const unsharded: string[] = [];
    runCampaign({ impl: 'reference', createNode: createReferenceNode, runs, ...spec, onRun: (_r, _e, _f, s) => void unsharded.push(JSON.stringify(s)) });
    for (const n of [1, 2, 3, 7]) {
      const sharded: string[] = [];
      for (let i = 1; i <= n; i++) {
        for (const chunk of planChunks(shardRange(runs, { index: i, count: n }))) {
          evaluateRange(spec, createReferenceNode, chunk.start, chunk.count, { onRun: (_r, _e, _f, s) => void sharded.push(JSON.stringify(s)) });
        }
      }
      expect(sharded, `${n} shards`).toEqual(unsharded);
    }
  });
  it('chunks grow with the run index and tile the range', () => {
    const chunks = planChunks({ start: 100, end: 5000 });
    expect(chunks[0]).toEqual({ start: 100, count: 8 });
    expect(chunks.at(-1)!.start + chunks.at(-1)!.count).toBe(5000);
    expect(Math.max(...chunks.map((c) => c.count))).toBeGreaterThan(60);
    expect(planChunks({ start: 3, end: 3 })).toEqual([]);
  });
  it('a range stops at its first failure, which shrinks as in one sequential campaign', async () => {
    const mutant = findMutant('commit-without-min')!;
    // Shrinking bounded at 120 runs on both sides (the suite's time; the same bound gives the same case).
    const sequential = runCampaign({ impl: 'mutant:commit-without-min', createNode: mutant.createNode, runs: 40, ...spec, shrinkRuns: 120 });
    const pooled = await runPoolCampaign({ impl: 'mutant:commit-without-min', spec, range: { start: 0, end: 40 }, workers: 1, createNode: mutant.createNode, shrinkRuns: 120 });
    expect(pooled.failure!.index).toBe(19);
    expect({ runs: pooled.evaluated, events: pooled.events, schedule: pooled.failure!.schedule, path: pooled.failure!.path })
      .toEqual({ runs: sequential.runs, events: sequential.events, schedule: sequential.failure!.schedule, path: sequential.failure!.path });
  });
  it('a time budget spent while shrinking changes nothing: shrinking is bounded by a count of runs, not by time', async () => {
    const mutant = findMutant('commit-without-min')!;
    const campaign = { impl: 'mutant:commit-without-min', spec, range: { start: 0, end: 40 }, workers: 1, createNode: mutant.createNode, shrinkRuns: 120 };
    const unlimited = await runPoolCampaign(campaign);
    let found = false;
    const late = await runPoolCampaign({ ...campaign, remainingMs: () => (found ? 0 : 60_000), onProgress: (_runs, _events, failed) => void (found ||= failed) });
    expect(found).toBe(true);
    expect(late.failure!.shrinkRuns).toBeGreaterThan(0);
    expect(late.failure!.schedule).toEqual(unlimited.failure!.schedule);
    expect(JSON.stringify(late.failure!.outcome.lines)).toBe(JSON.stringify(unlimited.failure!.outcome.lines));
  });
  it('a spent time budget stops the campaign, which says so', async () => {
    const r = await runPoolCampaign({ impl: 'reference', spec, range: { start: 0, end: 20 }, workers: 1, createNode: createReferenceNode, remainingMs: () => 0 });
    expect(r).toMatchObject({ evaluated: 0, interrupted: true, failure: null });
  });
});

describe('worker task modules', () => {
  it('evaluate a range by implementation name, as the calling thread would', async () => {
    const task = { impl: 'reference', spec, start: 3, count: 4 };
    expect(await evaluateRangeTask(task)).toEqual(evaluateRange(spec, createReferenceNode, 3, 4));
    await expect(evaluateRangeTask({ ...task, impl: 'nope' })).rejects.toThrow(/unknown implementation 'nope'/);
  });
  it('validate a file from plain data', () => {
    expect(validateTask({ file: 'traces/examples/valid/election-3.jsonl', format: 'raftcheck', options: { maxErrors: 5 } })).toMatchObject({ report: { valid: true } });
  });
  it('report an error thrown in a worker thread to the campaign', async () => {
    await expect(runPoolCampaign({ impl: 'nope', spec, range: { start: 0, end: 20 }, workers: 2, createNode: createReferenceNode })).rejects.toThrow(/unknown implementation 'nope'/);
  });
});

describe('raftcheck fuzz on worker threads and shards', () => {
  it('gives the same result with 1 and 2 workers, and n shards merge to it', async () => {
    const dir = tmp();
    const one = await cli('fuzz', ...MUTANT, '--workers', '1', '--out', path.join(dir, 'r1'), '--summary', path.join(dir, 'w1.json'));
    const two = await cli('fuzz', ...MUTANT, '--workers', '2', '--out', path.join(dir, 'r2'), '--summary', path.join(dir, 'w2.json'));
    expect(one.code).toBe(1);
    expect(two.code).toBe(1);
    expect(one.stdout).toMatch(/FAILED \[conformance\.unexpected\] at run 19 after 20 runs/);
    // The bound on shrinking is part of the command: it decides which case is saved.
    expect(one.stdout).toContain('npx raftcheck fuzz --impl mutant:commit-without-min --runs 40 --seed 30 --nodes 3 --faults mild --duration 1000ms --shrink-runs 60\n');
    const unsharded = untimed(path.join(dir, 'w1.json'));
    expect(untimed(path.join(dir, 'w2.json'))).toBe(unsharded);
    // The regression case, and its HTML report beside it: the same file, byte for byte.
    const saved = fs.readdirSync(path.join(dir, 'r1')).sort();
    expect(saved.map((f) => path.extname(f))).toEqual(['.html', '.jsonl']);
    const caseFile = saved[1];
    expect(fs.readdirSync(path.join(dir, 'r2')).sort()).toEqual(saved);
    expect(fs.readFileSync(path.join(dir, 'r2', caseFile!), 'utf8')).toBe(fs.readFileSync(path.join(dir, 'r1', caseFile!), 'utf8'));

    const shards: string[] = [];
    for (const i of [1, 2, 3]) {
      const file = path.join(dir, `shard-${i}.json`);
      const r = await cli('fuzz', ...MUTANT, '--shard', `${i}/3`, '--workers', String(1 + (i % 2)), '--out', path.join(dir, `s${i}`), '--summary', file);
      expect(r.code, r.stderr).toBe(i === 2 ? 1 : 0);
      if (i === 2) expect(r.stdout).toContain('--duration 1000ms --shrink-runs 60 --shard 2/3\n');
      shards.push(file);
    }
    expect(readSummary(shards[0]!)).toMatchObject({ shard: { index: 1, count: 3 }, range: { start: 0, end: 13 }, evaluated: 13, failure: null });
    const merged = await cli('merge-results', '--out', path.join(dir, 'merged'), '--summary', path.join(dir, 'merged.json'), ...shards.reverse());
    expect(merged.code).toBe(1);
    expect(merged.stdout).toMatch(/^merged 3 summaries \(3 shards\)\n.*FAILED \[conformance\.unexpected\] at run 19/);
    expect(merged.stdout).toContain('--shard 2/3\n');
    expect(untimed(path.join(dir, 'merged.json'))).toBe(unsharded);
    // The merged timing: the runs of the shards walked added up, the failing shard's shrinking.
    const [t1, t2, t3, mergedTiming] = ['shard-1.json', 'shard-2.json', 'shard-3.json', 'merged.json'].map((f) => readSummary(path.join(dir, f)).timing!);
    expect(t3!.shrinkMs).toBe(0); // no failure, nothing shrunk
    expect(mergedTiming).toEqual({ searchMs: t1!.searchMs + t2!.searchMs, shrinkMs: t2!.shrinkMs });
    expect(fs.readFileSync(path.join(dir, 'merged', caseFile!), 'utf8')).toBe(fs.readFileSync(path.join(dir, 'r1', caseFile!), 'utf8'));
    const replay = await cli('replay', path.join(dir, 'merged', caseFile!));
    expect(replay.code).toBe(0);
  }, 180_000); // nine CLI processes: 30-40 s on a quiet 2-core machine, past 60 s under heavy load
  it('keeps --snapshot-every and --shrink-runs in the summary and in every rerun command, and merges such shards', async () => {
    const dir = tmp();
    const args = ['--impl', 'mutant:snapshot-uncommitted', '--features', 'snapshot', '--snapshot-every', '3', '--runs', '8', '--nodes', '3', '--shrink-runs', '0'];
    const shards = [1, 2].map((i) => path.join(dir, `${i}.json`));
    for (const [i, file] of shards.entries()) await cli('fuzz', ...args, '--shard', `${i + 1}/2`, '--summary', file, '--out', path.join(dir, `o${i}`));
    expect(readSummary(shards[0]!).campaign).toMatchObject({ snapshotEvery: 3, shrinkRuns: 0 });
    const merged = await cli('merge-results', '--out', path.join(dir, 'merged'), ...shards);
    expect(merged.stderr).toBe('');
    expect(merged.code).toBe(1);
    expect(merged.stdout).toContain('(the whole campaign: npx raftcheck fuzz --impl mutant:snapshot-uncommitted --features snapshot --snapshot-every 3 --runs 8 --seed 1 --nodes 3 --faults mild --duration 3000ms --shrink-runs 0)\n');
  });
  it('merges passing shards into a passing campaign, with --json on stdout', async () => {
    const dir = tmp();
    const args = ['--runs', '12', '--seed', '5', '--nodes', '3', '--duration', '500ms', '--workers', '2'];
    const whole = await cli('fuzz', ...args, '--json');
    expect(whole.code).toBe(0);
    expect(whole.stderr).toMatch(/^reference: no failure in 12 runs/);
    for (const i of [1, 2]) expect((await cli('fuzz', ...args, '--shard', `${i}/2`, '--summary', path.join(dir, `${i}.json`))).code).toBe(0);
    const merged = await cli('merge-results', '--json', path.join(dir, '1.json'), path.join(dir, '2.json'));
    expect(merged.code).toBe(0);
    const withoutTiming = (text: string) => ({ ...(JSON.parse(text) as FuzzSummary), timing: undefined });
    expect(withoutTiming(merged.stdout)).toEqual(withoutTiming(whole.stdout));
    expect(JSON.parse(merged.stdout)).toMatchObject({ evaluated: 12, outcomes: { passed: 12, failed: 0, notRun: 0 }, failure: null });
  });
});

describe('raftcheck validate on worker threads', () => {
  const files = ['traces/examples/valid/election-3.jsonl', 'traces/examples/invalid/election-safety/two-leaders-one-term.jsonl', 'traces/examples/valid/leader-crash-reelection-3.jsonl'];
  it('prints the same reports, in the order given, whatever the worker count', async () => {
    const one = await cli('validate', '--workers', '1', ...files);
    const two = await cli('validate', '--workers', '2', '--progress', ...files);
    expect(one.code).toBe(1);
    expect(two.code).toBe(1);
    expect(two.stdout).toBe(one.stdout);
    expect(two.stderr).toMatch(/3 of 3 files checked\n$/);
    expect(one.stdout.indexOf(files[0]!)).toBeLessThan(one.stdout.indexOf(files[1]!));
    const json = await cli('validate', '--workers', '2', '--json', '--skip', 'linearizability', ...files);
    expect(JSON.parse(json.stdout).files.map((f: { file: string }) => f.file)).toEqual(files);
  });
  it('rejects a bad --workers with exit 2', async () => {
    const r = await cli('validate', '--workers', '0', files[0]!);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^raftcheck validate: --workers: /);
  });
});

describe('bad input', () => {
  it('fuzz: bad --shard and --workers are usage errors (exit 2, one line)', async () => {
    for (const extra of [['--shard', '3/2'], ['--shard', '0/0'], ['--shard', 'half'], ['--shard', '5/5', '--runs', '4'], ['--workers', '0'], ['--workers', 'many']]) {
      const r = await cli('fuzz', '--runs', '4', ...extra);
      expect(r.code, extra.join(' ')).toBe(2);
      expect(r.stderr.split('\n')[0]).toMatch(/^raftcheck fuzz: --(shard|workers): /);
    }
  });
  it('merge-results: missing, malformed and mismatched summaries are input errors (exit 2, one line)', async () => {
    const dir = tmp();
    const base = ['--runs', '4', '--seed', '3', '--nodes', '3', '--duration', '200ms', '--workers', '1'];
    for (const i of [1, 2]) await cli('fuzz', ...base, '--shard', `${i}/2`, '--summary', path.join(dir, `s${i}.json`));
    await cli('fuzz', ...base, '--seed', '4', '--shard', '2/2', '--summary', path.join(dir, 'other.json'));
    await cli('fuzz', ...base, '--shard', '1/4', '--summary', path.join(dir, 'quarter.json'));
    const s1 = JSON.parse(fs.readFileSync(path.join(dir, 's1.json'), 'utf8')) as FuzzSummary;
    const write = (name: string, content: string) => (fs.writeFileSync(path.join(dir, name), content), path.join(dir, name));
    const at = (name: string) => path.join(dir, name);
    const cases: Array<[string[], RegExp]> = [
      [[], /no summaries given/],
      [[at('nope.json')], /nope\.json: no such file/],
      [[dir], /is a directory/],
      [[write('text.json', 'hello')], /not a fuzz summary: not JSON/],
      [[write('trace.json', '{"kind":"header"}')], /not a fuzz summary: \/format: .*raftcheck fuzz --summary/],
      [[write('negative.json', JSON.stringify({ ...s1, events: -1 }))], /\/events: /],
      [[write('sums.json', JSON.stringify({ ...s1, outcomes: { ...s1.outcomes, passed: 0 } }))], /\/outcomes: do not add up/],
      [[write('range.json', JSON.stringify({ ...s1, range: { start: 0, end: 3 }, outcomes: { ...s1.outcomes, notRun: 1 } }))], /covers runs 0\.\.2, but shard 1\/2 is runs 0\.\.1/],
      [[at('s1.json')], /missing shard 2\/2/],
      [[at('s1.json'), at('s1.json'), at('s2.json')], /shard 1\/2 is also given/],
      [[at('s1.json'), at('other.json')], /other\.json: a different campaign .*seed 4/],
      [[at('s1.json'), write('old.json', JSON.stringify({ ...s1, raftcheck: '0.0.1', shard: { index: 2, count: 2 }, range: { start: 2, end: 4 } }))], /old\.json: written by raftcheck 0\.0\.1, but .* by \d/],
      [[at('s1.json'), at('quarter.json')], /quarter\.json: shard 1\/4, but .* is shard 1\/2/],
      [['--summary', at('s1.json'), at('s1.json'), at('s2.json')], /--summary .*s1\.json: is one of the inputs \(refusing to overwrite it\)/],
    ];
    for (const [argv, message] of cases) {
      const r = await cli('merge-results', ...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr.split('\n')[0], argv.join(' ')).toMatch(/^raftcheck merge-results: /);
      expect(r.stderr, argv.join(' ')).toMatch(message);
    }
  });
  it('summaries of a failure keep a checkable regression case', () => {
    const mutant = findMutant('vote-twice')!;
    const campaign = { impl: 'mutant:vote-twice', seed: 1, runs: 3, nodes: [3], faults: 'mild' as const, durationMs: 1000 };
    const result = runCampaign({ ...campaign, createNode: mutant.createNode });
    const summary = buildSummary(campaign, null, { range: { start: 0, end: 3 }, evaluated: result.runs, events: result.events, notModelled: result.notModelled, interrupted: false, failure: result.failure });
    expect(parseSummary(JSON.stringify(summary))).toEqual(summary);
    const broken = JSON.parse(JSON.stringify(summary)) as FuzzSummary;
    broken.failure!.regression.lines[1] = { kind: 'nonsense' };
    expect(parseSummary(JSON.stringify(broken))).toEqual({ error: '/failure/regression/lines/1: not a trace line' });
    broken.failure!.regression.meta = {};
    expect(parseSummary(JSON.stringify(broken))).toEqual({ error: '/failure/regression/meta: not a regression case (no schedule and implementation)' });
    broken.failure!.index = 9;
    expect(parseSummary(JSON.stringify(broken))).toHaveProperty('error', '/failure/index: run 9 is outside the range 0..2');
    expect(mergeSummaries([])).toEqual({ error: 'no summaries given' });
  });
});
