/**
 * Asynchronous adapters (harness/adapters/async/): a library whose calls return promises,
 * whose writes await a store and whose timers are its own runs in a worker thread on virtual
 * clocks, judged like any implementation — deterministically — and --interleave overlaps its
 * handlers at their awaits to find the races that one request at a time hides.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AdapterWorker } from '../harness/adapters/async/adapter-worker.js';
import { runFuzz, UsageError } from '../harness/api/index.js';
import { INTERLEAVE_SKIPS } from '../harness/adapters/async/bridge.js';
import { VIRTUAL_EPOCH_MS } from '../harness/adapters/async/runtime.js';
import { runCampaign } from '../harness/fuzz/campaign.js';
import { loadImplementation } from '../harness/fuzz/implementations.js';
import { loadRegression } from '../harness/fuzz/regression.js';
import { runSchedule } from '../harness/fuzz/run-schedule.js';
import { scheduleArbitrary } from '../harness/fuzz/schedule.js';
import type { NodeFactory } from '../harness/simulator/cluster.js';
import { readTraceFile } from '../harness/trace/reader.js';
import { createRandom } from '../src/random.js';
import { DEFAULT_NODE_CONFIG } from '../src/raft/types.js';
import type { TraceLine } from '../src/trace/schema.js';
import { PROBE_LOG } from './fixtures/adapters/async-raft/truncation-probe.js';
import { cli } from './helpers/cli.js';

const CORRECT = './test/fixtures/adapters/async-raft/adapter.ts';
const RACY = './test/fixtures/adapters/async-raft/racy-vote-adapter.ts';
const SLOW_DISK = './test/fixtures/adapters/async-raft/slow-disk-adapter.ts';
const misbehaving = (name: string) => `./test/fixtures/adapters/async-misbehaving/${name}.ts`;
const SLOW = 120_000; // runs through a worker thread, on a shared machine
/**
 * No false alarm: 40 runs per configuration here; `npm run soak -- --async` runs 200 of each
 * (harness/bench/soak-async.ts).
 */
const NO_ALARM_RUNS = 24; // npm run soak -- --async runs 200 of each
/**
 * The race campaign: none of its runs fails without --interleave, run 3 fails with it, and
 * its first attempts to shrink that run succeed at once (seed chosen for that: shrinking a
 * run through the worker thread costs tens of ms per attempt, so the CLI's time limit cuts
 * it short; what it finds must not depend on how far it got).
 */
const RACE = { seed: 20, runs: 40, nodes: [3], durationMs: 1000 };

async function load(file: string, options: { interleave?: boolean; replyTimeoutMs?: number } = {}): Promise<NodeFactory> {
  const f = await loadImplementation(file, { async: options });
  if ('error' in f) throw new Error(f.error);
  return f;
}

function tmpDir(name: string): string {
  const dir = path.join(process.env.RAFTCHECK_TMP ?? 'test-artifacts', `async-${name}-${process.pid}`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

function readLines(file: string): TraceLine[] {
  const lines: TraceLine[] = [];
  readTraceFile(file, { line: (l) => void lines.push(l), error: (e) => { throw new Error(`${file}:${e.line}: ${e.message}`); } });
  return lines;
}

describe('an asynchronous Raft node whose every write awaits its in-memory store', () => {
  it('is fuzzed with every rule, conformance included, without a false alarm (mild and swarm faults, 3 and 5 nodes)', async () => {
    const createNode = await load(CORRECT);
    expect(createNode.profile).toBeUndefined(); // nothing skipped: conformance judges every step
    for (const faults of ['mild', 'swarm'] as const) {
      const r = runCampaign({ impl: CORRECT, createNode, runs: NO_ALARM_RUNS, seed: 1, nodes: [3, 5], faults, durationMs: 2000 });
      expect(r.failure?.outcome.error ?? null, faults).toBeNull();
      expect(r.runs).toBe(NO_ALARM_RUNS);
      expect(r.events).toBeGreaterThan(1_000 * NO_ALARM_RUNS);
    }
  }, SLOW);

  it('goes through elections, replication, client answers, crashes and restarts in such runs', async () => {
    const createNode = await load(CORRECT);
    const [schedule] = fc.sample(scheduleArbitrary('mild', [5], 3000), { seed: 4, numRuns: 1 });
    const outcome = runSchedule(schedule!, createNode, { keepLines: true });
    expect(outcome.error).toBeUndefined();
    const seen = new Set(outcome.lines.map((l) => (l.kind === 'role' ? `role ${l.role}` : l.kind === 'client_response' ? `client ${l.result.status}` : l.kind)));
    for (const kind of ['timeout', 'role candidate', 'role leader', 'vote', 'append', 'commit', 'apply', 'client ok', 'client not_leader', 'crash', 'restart']) expect(seen, kind).toContain(kind);
  }, SLOW);

  it('still raises no false alarm with its handlers interleaved (conformance is skipped, with the reason)', async () => {
    // On a disk-like store, a crash could come with a write in flight: the node finishes its
    // pending work first (logged), so no crash cuts a step in half (without that, a term
    // adopted in memory but not yet written looks lost on restart: term-monotonic).
    const campaign = { runs: NO_ALARM_RUNS, seed: 10, nodes: [3, 5], faults: 'mild', durationMs: 2000, interleave: true } as const;
    for (const impl of [CORRECT, SLOW_DISK]) {
      const createNode = await load(impl, { interleave: true });
      expect(createNode.profile?.skipRules).toEqual(INTERLEAVE_SKIPS);
      const r = runCampaign({ impl, createNode, ...campaign });
      expect(r.failure?.outcome.error ?? null, impl).toBeNull();
    }
    // The seed's runs do crash the disk-like store with a write in flight: without the settle
    // before a crash, run 0 fails.
    const settling = await load(SLOW_DISK, { interleave: true });
    const withoutSettle: NodeFactory = Object.assign((...args: Parameters<NodeFactory>) => {
      const node = settling(...args);
      return new Proxy(node, { get: (target, key) => (key === 'beforeCrash' ? undefined : Reflect.get(target, key, target)) });
    }, { profile: settling.profile });
    const unsettled = runCampaign({ impl: SLOW_DISK, createNode: withoutSettle, ...campaign, shrink: false });
    expect(unsettled.failure?.index).toBe(0);
    expect(unsettled.failure?.outcome.error?.rule).toBe('term-monotonic');
  }, SLOW);

  it('gives the same trace, byte for byte, for the same seed: in the same worker thread and in a fresh one', async () => {
    const [schedule] = fc.sample(scheduleArbitrary('harsh', [3], 2000), { seed: 7, numRuns: 1 });
    const trace = (createNode: NodeFactory) => runSchedule(schedule!, createNode, { keepLines: true }).lines.map((l) => JSON.stringify(l)).join('\n');
    const createNode = await load(RACY, { interleave: true });
    const first = trace(createNode);
    expect(trace(await load(RACY, { interleave: true }))).toBe(first);
    AdapterWorker.stopAll(); // the next node starts a fresh worker thread, which loads the module anew
    expect(trace(createNode)).toBe(first);
    // Interleaving changes the run (else it would find nothing new), settling does not depend on it.
    expect(trace(await load(RACY))).not.toBe(first);
  }, SLOW);
});

describe('--interleave finds a race that one request at a time hides', () => {
  it(`a vote checked before awaiting the store and recorded after: not found without --interleave in ${RACE.runs} runs`, async () => {
    const r = runCampaign({ impl: RACY, createNode: await load(RACY), ...RACE, faults: 'mild' });
    expect(r.failure?.outcome.error ?? null).toBeNull();
    expect(r.runs).toBe(RACE.runs);
  }, SLOW);

  it('found with it in the same campaign, shrunk, saved with --interleave recorded, and replayed exactly', async () => {
    const dir = tmpDir('race');
    const found = await cli('fuzz', '--impl', RACY, '--interleave', '--runs', String(RACE.runs), '--seed', String(RACE.seed), '--nodes', RACE.nodes.join(','), '--duration', `${RACE.durationMs}ms`, '--out', dir, '--time-limit', '3s', '--shrink-runs', '60');
    expect(found.code).toBe(1);
    // Shrinking is bounded by a count of runs (60 here, to keep the suite fast), so the case is
    // the same on every machine: the double vote itself, kept as the rule the run broke.
    expect(found.stdout).toMatch(/FAILED \[vote-once\] at run 3 after 4 runs .*shrunk in 60 runs .*from 30 to 20 trace lines/);
    expect(found.stdout).toMatch(new RegExp(`rerun campaign: {2}npx raftcheck fuzz --impl \\S+racy-vote-adapter\\.ts --interleave --runs ${RACE.runs} --seed ${RACE.seed} --nodes 3 `));
    expect(found.stdout).toContain('not checked: conformance.unexpected, conformance.missing, conformance.state, conformance.message (--interleave:');
    const file = /regression case: (\S+\.jsonl)/.exec(found.stdout)![1]!;
    const meta = loadRegression(file);
    expect(meta.interleave).toBe(true);
    expect(meta.impl).toBe(RACY);
    const lines = readLines(file);
    const header = lines[0]!;
    expect(header.kind === 'header' && (header.meta as { fuzz: { interleave?: boolean } }).fuzz.interleave).toBe(true);

    const replayed = await cli('replay', file);
    expect(replayed.code).toBe(0);
    expect(replayed.stdout).toContain(`${file}: ${RACY} --interleave fails [${meta.rule}] at line ${meta.line}: ${meta.message} (as expected)`);
    expect(replayed.stdout).toContain(`${file}: reference passes (as expected)`);

    // Exactly: the replayed run's events are the saved ones, line for line (up to the line its
    // verdict was reached on, which the case keeps: at or after the violation's).
    const again = runSchedule(meta.schedule, await load(RACY, { interleave: true }), { keepLines: true });
    expect(again.error?.rule).toBe(meta.rule);
    expect(again.error?.line).toBe(meta.line);
    expect(lines.length).toBe(again.decidedLine);
    expect(again.lines.slice(1, lines.length).map((l) => JSON.stringify(l))).toEqual(lines.slice(1).map((l) => JSON.stringify(l)));
    // ... and without --interleave, the same schedule passes: it takes the race to break it.
    expect(runSchedule(meta.schedule, await load(RACY)).ok).toBe(true);
  }, SLOW);
});

describe('runFuzz({ interleave }), as fuzz --interleave', () => {
  it('finds the race of the same campaign, records the interleave, and refuses what cannot interleave', async () => {
    const result = await runFuzz({ impl: RACY, interleave: true, runs: RACE.runs, seed: RACE.seed, nodes: RACE.nodes, durationMs: RACE.durationMs, shrinkRuns: 0, out: null });
    expect(result.passed).toBe(false);
    expect(result.failure).toMatchObject({ run: 3 });
    expect(result.summary.campaign.interleave).toBe(true);
    expect(result.failure!.rerun).toMatch(/racy-vote-adapter\.ts --interleave --runs 40 /);
    expect(result.skipped.map((s) => s.rule)).toEqual(INTERLEAVE_SKIPS.map((s) => s.rule));
    await expect(runFuzz({ impl: 'reference', interleave: true, runs: 1, out: null })).rejects.toThrow(/^interleave: reference is not asynchronous/);
    await expect(runFuzz({ impl: RACY, interleave: 'yes' as unknown as boolean, runs: 1, out: null })).rejects.toThrow(UsageError);
  }, SLOW);
});

describe('a misbehaving asynchronous node is a clear verdict, never a hang', () => {
  const [schedule] = fc.sample(scheduleArbitrary('mild', [3], 1000), { seed: 1, numRuns: 1 });
  const cases = [
    { name: 'endless-immediates', rule: 'adapter.unsettled', message: /^node n1, start: did not settle: 10000 timers and immediates ran at virtual time 0 ms/ },
    { name: 'never-quiescent', rule: 'adapter.unsettled', message: /^node n1, start: did not settle: quiescent\(\) was still false after 1000 turns/ },
    { name: 'rejects', rule: 'exception', message: /^the implementation threw: node n1, start: Error: the store is closed \(at .*rejects\.ts:\d+:\d+\)\)$/ },
    { name: 'unhandled', rule: 'exception', message: /^the implementation threw: node n1, a promise that nobody awaited rejected \(during tick\): Error: a background flush failed \(at .*unhandled\.ts/ },
    { name: 'exits', rule: 'exception', message: /^the implementation threw: node n1, start: the adapter's worker thread exited \(code 3\)/ },
  ];
  for (const c of cases) {
    it(`${c.name}: [${c.rule}], naming the node and the call`, async () => {
      const outcome = runSchedule(schedule!, await load(misbehaving(c.name)));
      expect(outcome.error?.rule).toBe(c.rule);
      expect(outcome.error?.message).toMatch(c.message);
    }, SLOW);
  }

  it('a synchronous endless loop: [adapter.timeout] after the reply timeout; the worker is replaced, the hang not shrunk', async () => {
    // Long enough for a create on a loaded machine: the endless loop, not a slow start, must be the verdict.
    const createNode = await load(misbehaving('endless-loop'), { replyTimeoutMs: 1500 });
    // Run 0 times out and its worker is stopped; not shrunk, it is replayed once for its
    // trace, which needs a new worker thread: it gets one, and times out the same way.
    const r = runCampaign({ impl: 'endless-loop', createNode, runs: 3, seed: 1, nodes: [3], faults: 'mild', durationMs: 1000 });
    expect(r.runs).toBe(1);
    expect(r.failure?.shrinks).toBe(0);
    expect(r.failure?.outcome.error?.rule).toBe('adapter.timeout');
    expect(r.failure?.outcome.error?.message).toMatch(/^node n1, start: no answer within 1\.5 s \(a synchronous endless loop\?\); its worker thread was stopped$/);
  }, SLOW);

  it('a module that cannot be loaded in the worker thread is a usage error (exit 2, one line)', async () => {
    const r = await cli('fuzz', '--impl', misbehaving('fails-in-worker'), '--runs', '1');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^raftcheck fuzz: cannot load the adapter module file:.*fails-in-worker\.ts in its worker thread: Error: cannot open the database in this thread .*\n$/);
  }, SLOW);
});

describe('the node runtime taken over the globals (virtualGlobals)', () => {
  it('routes setTimeout, node:timers, timers/promises, Date and performance.now to the clock of the node whose code runs', async () => {
    const createNode = await load('./test/fixtures/adapters/async-raft/clock-probe.ts');
    const config = { ...DEFAULT_NODE_CONFIG, members: ['n1', 'n2'] };
    const a = createNode({ ...config, id: 'n1' }, { random: createRandom(1) });
    a.start();
    for (let i = 0; i < 3; i++) a.step({ type: 'tick' }); // a's clock: 15 ms
    const b = createNode({ ...config, id: 'n2' }, { random: createRandom(2) });
    b.start();
    for (let i = 0; i < 12; i++) {
      a.step({ type: 'tick' });
      b.step({ type: 'tick' });
    }
    const samples = (v: unknown) => JSON.parse(v as string) as Array<[string, number]>;
    const expected = [
      ['Date.now', VIRTUAL_EPOCH_MS], ['new Date', VIRTUAL_EPOCH_MS], ['node:timers setTimeout 7', 7], ['setTimeout 12', 12],
      ['timers/promises 20', 20], ['setInterval 10', 30], ['setInterval 10', 40],
    ];
    expect(samples(a.view().value)).toEqual(expected);
    expect(samples(b.view().value)).toEqual(expected); // its own clock, started when it was created
    a.dispose?.();
    b.dispose?.();
  }, SLOW);
});

describe('truncations an asynchronous node reports (Output.truncatedFrom)', () => {
  it('reach the trace from every report of a window, the lowest one counting: what it emitted while created with its start, what it emitted between awaits with what its call returned', async () => {
    const createNode = await load('./test/fixtures/adapters/async-raft/truncation-probe.ts');
    const node = createNode({ ...DEFAULT_NODE_CONFIG, id: 'n1', members: ['n1', 'n2'] }, { random: createRandom(1) });
    // Deleted from 2 and written back as they were: invisible in the log, shown as truncate + append.
    const rewritten = [{ kind: 'truncate', fromIndex: 2 }, { kind: 'append', index: 2, entries: PROBE_LOG.slice(1) }];
    expect(node.start().map((r) => r.effect)).toEqual(rewritten); // create reported 2, start 3
    const msg = { id: 'm', type: 'AppendEntries', from: 'n2', to: 'n1', term: 1, leaderId: 'n2', prevLogIndex: 1, prevLogTerm: 1, entries: PROBE_LOG.slice(1, 2), leaderCommit: 0 } as const;
    expect(node.step({ type: 'receive', msg }).map((r) => r.effect)).toEqual(rewritten); // 3, then 2, then 4
    node.dispose?.();
  }, SLOW);
});

describe('the CLI', () => {
  it('refuses --interleave for an implementation that is not asynchronous (exit 2, one line)', async () => {
    for (const impl of ['reference', './test/fixtures/adapters/reference-adapter.ts']) {
      const r = await cli('fuzz', '--impl', impl, '--interleave', '--runs', '1');
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^raftcheck fuzz: --interleave: .* (is not asynchronous|is a synchronous adapter): only an asynchronous adapter module \(defineAsyncAdapter, docs\/ADAPTERS\.md\) can interleave\nSee/);
    }
  });

  it('refuses an asynchronous adapter whose tickMs is not a positive integer (exit 2, one line)', async () => {
    const r = await cli('fuzz', '--impl', misbehaving('bad-tick'), '--runs', '1');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^raftcheck fuzz: --impl: \S+bad-tick\.ts: bad-tick: tickMs must be a positive integer \(virtual ms\), got 0\n/);
  });

  it('simulate --impl runs an asynchronous adapter: byte-identical traces, --interleave in the header, valid under every rule that applies', async () => {
    const dir = tmpDir('simulate');
    const run = async (out: string, ...extra: string[]) => cli('simulate', '--impl', CORRECT, '--nodes', '3', '--clients', '2', '--seed', '5', '--duration', '2s', '--crash-every', '700ms', '--drop', '0.05', '-o', path.join(dir, out), ...extra);
    for (const [name, extra] of [['plain', []], ['interleaved', ['--interleave']]] as const) {
      expect((await run(`${name}-1.jsonl`, ...extra)).code).toBe(0);
      expect((await run(`${name}-2.jsonl`, ...extra)).code).toBe(0);
      const text = fs.readFileSync(path.join(dir, `${name}-1.jsonl`), 'utf8');
      expect(fs.readFileSync(path.join(dir, `${name}-2.jsonl`), 'utf8')).toBe(text);
      const header = JSON.parse(text.slice(0, text.indexOf('\n'))) as { meta: Record<string, unknown> };
      expect(header.meta.impl).toBe(CORRECT);
      expect(header.meta.interleave).toBe(name === 'interleaved' ? true : undefined);
      const skip = name === 'interleaved' ? ['--skip', INTERLEAVE_SKIPS.map((s) => s.rule).join(',')] : [];
      const checked = await cli('validate', path.join(dir, `${name}-1.jsonl`), ...skip);
      expect(checked.stdout + checked.stderr, name).toMatch(/valid/);
      expect(checked.code, checked.stdout).toBe(0);
    }
  }, SLOW);

  it('simulate stops at an implementation that fails, says why, and keeps the trace so far (exit 1)', async () => {
    const dir = tmpDir('simulate-fail');
    const out = path.join(dir, 'f.jsonl');
    const r = await cli('simulate', '--impl', misbehaving('rejects'), '--duration', '1s', '-o', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^raftcheck simulate: \S+rejects\.ts failed: node n1, start: Error: the store is closed .*; the trace up to there is in .*f\.jsonl\n$/);
    expect(readLines(out)[0]!.kind).toBe('header');
  }, SLOW);
});
