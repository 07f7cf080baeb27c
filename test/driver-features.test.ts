/**
 * Declared features end to end (spec/DRIVER.md, docs/ADAPTERS.md): a driver process that
 * declares PreVote in its reply to init (the reference run as a driver,
 * test/fixtures/driver/reference-driver.ts) is run with the feature, speaks PreVote over JSON
 * Lines, and is checked under it: its trace's header declares it, conformance runs the chart with
 * it, and the feature's rules are on, so a node that grants pre-votes during the leader lease
 * is caught by prevote.lease. --features must agree with a declaration; a declared feature
 * raftcheck does not model, or a feature message a node did not declare, is refused.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { runFeatures } from '../harness/adapters/features.js';
import { runFuzz } from '../harness/api/index.js';
import { loadImplementation, resolveImplementation } from '../harness/fuzz/implementations.js';
import { runSchedule } from '../harness/fuzz/run-schedule.js';
import type { Schedule } from '../harness/fuzz/schedule.js';
import { findMutant } from '../harness/mutants/catalogue.js';
import type { NodeFactory } from '../harness/simulator/cluster.js';
import { createReferenceNode } from '../src/raft/node.js';
import type { TraceLine } from '../src/trace/schema.js';
import { cli } from './helpers/cli.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'raftcheck-features-'));
let driver = '';
/** The reference as a driver process: `cmd:` with these options (--features, --declare, --mutant). */
const driverImpl = (...options: string[]) => `cmd:${process.execPath} ${driver} ${options.join(' ')}`;

beforeAll(() => {
  // Bundled once, so that each node process starts in a fraction of a second.
  driver = path.join(tmp(), 'reference-driver.mjs');
  buildSync({ entryPoints: ['test/fixtures/driver/reference-driver.ts'], bundle: true, platform: 'node', format: 'esm', outfile: driver, logLevel: 'warning' });
});

function read(file: string): TraceLine[] {
  return fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TraceLine);
}

describe('a driver that declares prevote in its reply to init', () => {
  it('is run with PreVote: the header declares it, its nodes pre-vote over JSON Lines, and the trace validates under the feature', async () => {
    const out = path.join(tmp(), 'prevote.jsonl');
    const r = await cli('simulate', '--impl', driverImpl('--features', 'prevote'), '--nodes', '3', '--duration', '2s', '--clients', '1', '--crash-every', '700ms', '-o', out);
    expect(r.code, r.stderr).toBe(0);
    const lines = read(out);
    expect(lines[0]).toMatchObject({ kind: 'header', minor: 1, features: ['prevote'] });
    expect(lines.some((l) => l.kind === 'role' && l.role === 'precandidate')).toBe(true);
    expect(lines.some((l) => l.kind === 'send' && l.msg.type === 'PreVote')).toBe(true);
    expect(lines.some((l) => l.kind === 'receive' && l.msg.type === 'PreVoteResponse' && l.msg.voteGranted)).toBe(true);
    const v = await cli('validate', out);
    expect(v.stdout).toMatch(/valid/);
    expect(v.code).toBe(0);
  }, 120_000);

  it('one that grants pre-votes during the leader lease is caught by prevote.lease, and its saved case declares the feature', async () => {
    const dir = tmp();
    const summary = path.join(dir, 'summary.json');
    const r = await cli('fuzz', '--impl', driverImpl('--features', 'prevote', '--mutant', 'prevote-grant-in-lease'), '--runs', '20', '--nodes', '3', '--faults', 'swarm', '--shrink-runs', '0', '--out', dir, '--summary', summary);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    const failure = (JSON.parse(fs.readFileSync(summary, 'utf8')) as { failure: { rule: string }; campaign: { features?: string[] } });
    expect(failure.failure.rule).toBe('prevote.lease');
    expect(failure.campaign.features).toEqual(['prevote']);
    expect(r.stdout).toContain('--features prevote'); // the rerun command says so
    const saved = fs.readdirSync(dir).filter((f) => f.startsWith('prevote.lease-') && f.endsWith('.jsonl'));
    expect(saved).toHaveLength(1);
    expect(read(path.join(dir, saved[0]!))[0]).toMatchObject({ kind: 'header', minor: 1, features: ['prevote'] });
  }, 180_000);

  it('--features must agree with the declaration: the same list is accepted, another is a usage error (exit 2, one line)', async () => {
    const other = await cli('fuzz', '--impl', driverImpl('--features', 'prevote'), '--features', 'prevote,checkquorum', '--runs', '1', '--out', tmp());
    expect(other.code).toBe(2);
    expect(other.stderr.split('\n')[0]).toBe('raftcheck fuzz: --features: the implementation declares the features prevote (its profile, or its reply to init), not prevote,checkquorum: leave --features out, or give the same list');
    const none = await cli('simulate', '--impl', driverImpl(), '--features', 'prevote', '-o', path.join(tmp(), 'x.jsonl'));
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/declares the features none .*, not prevote/);
    const same = await cli('fuzz', '--impl', driverImpl('--features', 'prevote'), '--features', 'prevote', '--runs', '2', '--nodes', '3', '--duration', '600ms', '--out', tmp());
    expect(same.code, same.stdout + same.stderr).toBe(0);
  }, 120_000);

  it('a PreVote from a node that did not declare prevote is a driver.protocol verdict', () => {
    const schedule: Schedule = { version: 1, nodes: 3, seed: 5, durationMs: 400, batch: 64, fates: [{ lose: false, duplicate: false, delay: 3 }], events: [], features: ['prevote'] };
    const f = resolveImplementation(driverImpl('--features', 'prevote', '--declare', 'none'));
    if ('error' in f) throw new Error(f.error);
    const outcome = runSchedule(schedule, f);
    expect(outcome.error).toMatchObject({ rule: 'driver.protocol', message: expect.stringMatching(/a PreVote message, of the feature 'prevote', which it did not declare in its reply to init/) });
  }, 60_000);

  it('the replay of a case whose features a driver does not declare is refused', async () => {
    const dir = tmp();
    const found = await cli('fuzz', '--impl', 'mutant:prevote-grant-in-lease', '--runs', '50', '--faults', 'swarm', '--shrink-runs', '0', '--out', dir);
    expect(found.code).toBe(1);
    const file = path.join(dir, fs.readdirSync(dir).find((f) => f.endsWith('.jsonl'))!);
    const r = await cli('replay', file, '--impl', driverImpl());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/declares the features none .*, not prevote, which the case runs/);
  }, 120_000);
});

describe('an adapter module that declares prevote in its profile', () => {
  const adapter = './test/fixtures/adapters/prevote-adapter.ts';
  it('is fuzzed with PreVote (the programmatic API as the CLI), and a features option must agree', async () => {
    const result = await runFuzz({ impl: adapter, runs: 10, nodes: [3], faults: 'swarm', durationMs: 1500, out: null });
    expect(result.failure).toBeNull();
    expect(result.summary.campaign.features).toEqual(['prevote']);
    await expect(runFuzz({ impl: adapter, runs: 1, features: ['checkquorum'], out: null })).rejects.toThrow(/features: the implementation declares the features prevote .*, not checkquorum/);
    await expect(runFuzz({ impl: 'reference', runs: 1, features: ['pre-vote'], out: null })).rejects.toThrow(/features: unknown feature "pre-vote" \(known: prevote, checkquorum, transfer, snapshot, membership, heartbeat, config-on-apply\)/);
  }, 120_000);
});

describe('an asynchronous adapter module', () => {
  it('that declares a feature raftcheck does not model is refused when it loads, as a synchronous one is', async () => {
    const r = await loadImplementation('./test/fixtures/adapters/async-raft/unknown-feature-adapter.ts');
    expect(r).toEqual({ error: expect.stringMatching(/unknown-feature-adapter\.ts: profile\.features\/0: raftcheck does not model feature 'pre-vote' \(known: prevote, checkquorum, transfer, snapshot, membership, heartbeat\)$/) });
  });
});

describe('the features of a run', () => {
  it('the reference takes those asked for; a mutant adds its own; an implementation that declares has exactly those', async () => {
    expect(runFeatures(createReferenceNode, undefined)).toEqual([]);
    expect(runFeatures(createReferenceNode, ['transfer', 'prevote'])).toEqual(['prevote', 'transfer']);
    expect(runFeatures(findMutant('transfer-keeps-serving')!.createNode, ['prevote'])).toEqual(['prevote', 'transfer']);
    const adapter = (await loadImplementation('./test/fixtures/adapters/prevote-adapter.ts')) as NodeFactory;
    expect(runFeatures(adapter, undefined)).toEqual(['prevote']);
    expect(runFeatures(adapter, ['prevote'])).toEqual(['prevote']);
    expect(runFeatures(adapter, [])).toEqual({ error: 'the implementation declares the features prevote (its profile, or its reply to init), not none' });
    const plain = (await loadImplementation('./test/fixtures/adapters/reference-adapter.ts')) as NodeFactory;
    expect(runFeatures(plain, undefined)).toEqual([]);
    expect(runFeatures(plain, ['checkquorum'])).toHaveProperty('error');
  });
});
