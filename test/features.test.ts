/**
 * The protocol extensions end to end: the reference with each feature (and all of them) passes
 * fuzzing with every check on; PreVote keeps a partitioned node that comes back from deposing a
 * healthy leader, which it does without PreVote; the CLI takes --features and refuses unknown
 * names; traces declare their features in the header.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRandom } from '../src/random.js';
import { ALL_FEATURES as FEATURES, parseFeatureList, type Feature } from '../src/raft/features/index.js';
import { createReferenceNode } from '../src/raft/node.js';
import { DEFAULT_NODE_CONFIG } from '../src/raft/types.js';
import type { TraceLine } from '../src/trace/schema.js';
import { runCampaign } from '../harness/fuzz/campaign.js';
import { findMutant } from '../harness/mutants/catalogue.js';
import { DEFAULT_SIMULATION, simulate } from '../harness/simulator/simulate.js';
import { Cluster } from '../harness/simulator/cluster.js';
import { randomNetwork } from '../harness/simulator/network.js';
import { TraceValidation } from '../harness/validate/validate-file.js';
import { cli } from './helpers/cli.js';

describe('the reference with features, fuzzed', () => {
  const sets: Feature[][] = [['prevote'], ['checkquorum'], ['transfer'], [...FEATURES]];
  for (const features of sets) {
    it(`${features.join(' + ')}: 120 swarm schedules on 3 and 5 nodes pass every check, liveness included`, () => {
      const r = runCampaign({ impl: 'reference', createNode: createReferenceNode, runs: 120, seed: 3, nodes: [3, 5], faults: 'swarm', durationMs: 3000, features, shrink: false });
      expect(r.failure?.outcome.error ?? null).toBeNull();
      expect(r.runs).toBe(120);
    });
  }
});

/** Runs 3 nodes: the leader elected first keeps one follower; the third is cut off for 2 s, then comes back. */
function partitionedNodeComesBack(features: readonly Feature[]) {
  const lines: TraceLine[] = [];
  const validation = new TraceValidation({ maxErrors: 5 });
  const cluster = new Cluster({
    ids: ['n1', 'n2', 'n3'], node: { ...DEFAULT_NODE_CONFIG, features }, random: createRandom(5),
    network: randomNetwork(createRandom(6), { delay: { min: 1, max: 5 }, drop: 0, duplicate: 0 }),
    sink: { write: (l) => { lines.push(l); validation.line(l, lines.length); }, close() {} },
  });
  cluster.start();
  cluster.runUntil(1000);
  const leader = cluster.views().find((v) => v.role === 'leader')!;
  const loner = cluster.ids.find((id) => id !== leader.id)!;
  cluster.partitionGroups([cluster.ids.filter((id) => id !== loner), [loner]]);
  cluster.runUntil(3000);
  const lonerTerm = cluster.view(loner)!.term;
  cluster.heal();
  cluster.runUntil(4500);
  const report = validation.finish('run', { lines: lines.length, bytes: 0 });
  const after = cluster.view(leader.id)!;
  return { leader, lonerTerm, after, valid: report.valid, errors: report.errors };
}

describe('why PreVote exists: a node partitioned away and healed', () => {
  it('without PreVote, it comes back with a higher term and deposes the healthy leader', () => {
    const r = partitionedNodeComesBack([]);
    expect(r.valid, JSON.stringify(r.errors)).toBe(true);
    expect(r.lonerTerm).toBeGreaterThan(r.leader.term + 2); // it kept starting elections on its own
    expect(r.after.term).toBeGreaterThan(r.leader.term); // the leader of r.leader.term is gone
  });

  it('with PreVote, its term never moved and the healthy leader stays in office', () => {
    const r = partitionedNodeComesBack(['prevote']);
    expect(r.valid, JSON.stringify(r.errors)).toBe(true);
    expect(r.lonerTerm).toBe(r.leader.term); // no pre-vote majority: no election
    expect(r.after.role).toBe('leader');
    expect(r.after.term).toBe(r.leader.term);
  });
});

describe('feature names', () => {
  it('parse in one canonical order; all; unknown names are refused', () => {
    expect(parseFeatureList('transfer,prevote')).toEqual(['prevote', 'transfer']);
    // `all`: every extension; config-on-apply, a variant of membership's timing, is named on its own.
    expect(parseFeatureList('all')).toEqual(FEATURES.filter((f) => f !== 'config-on-apply'));
    expect(parseFeatureList('prevote,nope')).toEqual({ error: "unknown feature 'nope' (known: prevote, checkquorum, transfer, snapshot, membership, heartbeat, config-on-apply, or all of them)" });
  });

  it('simulate --features declares them in the header (revision 1.1), and the trace validates; an unknown one exits 2', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raftcheck-features-'));
    const file = path.join(dir, 'f.jsonl');
    const r = await cli('simulate', '--features', 'prevote,checkquorum', '--duration', '2s', '--clients', '1', '-o', file);
    expect(r.code).toBe(0);
    const header = JSON.parse(fs.readFileSync(file, 'utf8').split('\n')[0]!) as { minor?: number; features?: string[] };
    expect(header).toMatchObject({ minor: 1, features: ['prevote', 'checkquorum'] });
    expect(fs.readFileSync(file, 'utf8')).toContain('"role":"precandidate"');
    expect((await cli('validate', file)).code).toBe(0);
    const bad = await cli('simulate', '--features', 'prevote,quorum', '-o', path.join(dir, 'g.jsonl'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--features: unknown feature 'quorum'/);
  });

  it('fuzz --features runs schedules with them; a feature mutant runs with its feature on', async () => {
    const ok = await cli('fuzz', '--features', 'all', '--runs', '20', '--seed', '2');
    expect(ok.code).toBe(0);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raftcheck-features-'));
    const caught = await cli('fuzz', '--impl', 'mutant:checkquorum-vote-in-lease', '--runs', '50', '--out', dir, '--json');
    expect(caught.code).toBe(1);
    const summary = JSON.parse(caught.stdout) as { campaign: { features?: string[] } };
    expect(summary.campaign.features).toEqual(['checkquorum']);
  });
});

describe('a producer that logs no feature timers', () => {
  /** Simulates, then drops every lease, quorum and transfer timeout, as a producer that logs none would. */
  function stripped(seed: number, createNode?: Parameters<typeof simulate>[2]): { lines: TraceLine[]; removed: number } {
    const all: TraceLine[] = [];
    simulate({ ...DEFAULT_SIMULATION, seed, durationMs: 4000, drop: 0.05, partitionEvery: 1200, crashEvery: 1500, clients: 2, node: { ...DEFAULT_NODE_CONFIG, features: [...FEATURES] } }, { write: (l) => all.push(l), close() {} }, createNode);
    const lines = all.filter((l) => !(l.kind === 'timeout' && l.timer !== 'election' && l.timer !== 'heartbeat'));
    return { lines, removed: all.length - lines.length };
  }
  function verdict(lines: TraceLine[]) {
    const v = new TraceValidation({ maxErrors: 1 });
    lines.forEach((l, i) => v.line(l, i + 1));
    return v.finish('stripped', { lines: lines.length, bytes: 0 });
  }

  it('is judged by the trace\'s time: the checker fires its lease, quorum and transfer timers at their deadlines (20 faulty runs stay valid)', () => {
    let removed = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const run = stripped(seed);
      removed += run.removed;
      const r = verdict(run.lines);
      expect(r.valid, `seed ${seed}: ${JSON.stringify(r.errors[0])}`).toBe(true);
    }
    expect(removed).toBeGreaterThan(100);
  });

  it('and a leader that never steps down is still caught without its quorum timeouts in the trace', () => {
    const mutant = findMutant('checkquorum-never-steps-down')!;
    const caught = [1, 2, 3, 4, 5, 6].some((seed) => !verdict(stripped(seed, mutant.createNode).lines).valid);
    expect(caught).toBe(true);
  });
});
