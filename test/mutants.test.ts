import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MUTANTS, findMutant } from '../harness/mutants/catalogue.js';
import { huntFeatures, huntMutant } from '../harness/mutants/hunt.js';
import { loadExploreCase } from '../harness/explore/regression.js';
import { loadRegression } from '../harness/fuzz/regression.js';
import { validateTraceFile } from '../harness/validate/validate-file.js';
import { FEATURES, REQUIRES } from '../src/raft/features/index.js';
import { createReferenceNode } from '../src/raft/node.js';
import { cli } from './helpers/cli.js';

describe('bug catalogue', () => {
  it('has at least 12 named single-rule mutants with descriptions', () => {
    expect(MUTANTS.length).toBeGreaterThanOrEqual(12);
    expect(new Set(MUTANTS.map((m) => m.name)).size).toBe(MUTANTS.length);
    for (const m of MUTANTS) expect(m.description.length).toBeGreaterThan(15);
    expect(findMutant('commit-old-term')?.name).toBe('commit-old-term');
    expect(findMutant('nope')).toBeUndefined();
  });

  it('has at least two mutants per protocol extension, each hunted with its feature on', () => {
    for (const f of FEATURES) {
      // A feature that needs another (config-on-apply: membership) is hunted with both.
      const own = REQUIRES[f] ? [REQUIRES[f], f] : [f];
      const ofFeature = MUTANTS.filter((m) => m.features?.length === own.length && own.every((x) => m.features!.includes(x)));
      expect(ofFeature.length, f).toBeGreaterThanOrEqual(2);
      for (const m of ofFeature) {
        expect(m.name.startsWith(`${f}-`), m.name).toBe(true);
        expect(huntFeatures(m)).toEqual(FEATURES.filter((x) => own.includes(x)));
        expect(m.createNode.features).toEqual(own);
      }
    }
  });

  it('has a mutant of each composition with membership (its quorum, target or snapshot not following the configuration), hunted with both features on', () => {
    for (const f of ['prevote', 'checkquorum', 'transfer', 'snapshot'] as const) {
      const composed = MUTANTS.filter((m) => m.features?.length === 2 && m.features.includes(f) && m.features.includes('membership'));
      expect(composed.length, f).toBe(1);
      expect(composed[0]!.name.startsWith('membership-'), composed[0]!.name).toBe(true);
      expect(huntFeatures(composed[0]!)).toEqual(FEATURES.filter((x) => x === f || x === 'membership'));
    }
  });

  for (const m of MUTANTS) {
    it(`catches ${m.name} within 100 schedules from seed 1`, () => {
      const r = huntMutant(m, { runs: 100, seed: 1, shrink: false });
      expect(r.detected, `${m.name} survived 100 schedules`).toBe(true);
      expect(r.rule).toMatch(/^((conformance|prevote|checkquorum|transfer|snapshot|membership|config-on-apply)\.[a-z-]+|[a-z-]+)$/);
    });
  }

  it('does not flag the reference itself over the same schedules', () => {
    const reference = { name: 'none', description: 'the reference itself', createNode: createReferenceNode };
    expect(huntMutant(reference, { runs: 100, seed: 1 })).toEqual({ detected: false, runs: 100 });
  });

  it('shrinks a counterexample to a handful of schedule events', () => {
    const r = huntMutant(findMutant('vote-twice')!, { runs: 100, seed: 1 });
    expect(r.detected).toBe(true);
    expect(r.scheduleEvents).toBeLessThanOrEqual(5);
    expect(r.traceEvents).toBeLessThanOrEqual(60);
    expect(r.traceEvents).toBeLessThanOrEqual(r.foundTraceEvents!);
    expect(r.shrinkRuns).toBeGreaterThan(0);
  });

  it('has one saved case per mutant in traces/regressions/, each under 100 trace lines', () => {
    const dir = 'traces/regressions';
    // Cases saved by `raftcheck explore` record actions, not schedules (test/explore.test.ts covers them).
    const cases = fs.readdirSync(dir).filter((f) => f.endsWith('.jsonl') && !loadExploreCase(path.join(dir, f))).map((f) => ({ file: f, meta: loadRegression(path.join(dir, f)) }));
    const ofMutants = cases.filter((c) => c.meta.impl.startsWith('mutant:'));
    expect(ofMutants.map((c) => c.meta.impl).sort()).toEqual(MUTANTS.map((m) => `mutant:${m.name}`).sort());
    for (const c of ofMutants) {
      const text = fs.readFileSync(path.join(dir, c.file), 'utf8').trim().split('\n');
      const lines = text.length;
      expect(lines, c.file).toBeLessThan(100);
      // The trace ends at its violation, or at the later line its verdict needed (a violation
      // the checker held until the trace showed it applies): without that line, no verdict.
      expect(lines, c.file).toBeGreaterThanOrEqual(c.meta.line);
      if (lines > c.meta.line) {
        const cut = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'raftcheck-cut-')), c.file);
        fs.writeFileSync(cut, text.slice(0, -1).join('\n') + '\n');
        expect(validateTraceFile(cut, { maxErrors: 1 }).errors[0], c.file).toBeUndefined();
      }
    }
  });
});

describe('raftcheck mutants', () => {
  it('lists the catalogue', async () => {
    const r = await cli('mutants', '--list');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(MUTANTS.length);
  });
  it('hunts chosen mutants and prints the table without writing MUTANTS.md', async () => {
    const r = await cli('mutants', '--only', 'vote-twice,keep-vote-on-new-term', '--runs', '50', '--no-write');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\| `vote-twice` \| .* \| yes \| \d+ \|/);
    expect(r.stdout).toMatch(/2 of 2 mutants caught/);
  });
  it('gives each caught mutant the fuzz command that finds it again, --snapshot-every included', async () => {
    const r = await cli('mutants', '--only', 'snapshot-uncommitted', '--snapshot-every', '3', '--runs', '30', '--shrink-runs', '0', '--no-write', '--no-explore');
    expect(r.code).toBe(0);
    const command = /`raftcheck fuzz ([^`]*)`/.exec(r.stdout)?.[1];
    expect(command).toMatch(/ --features snapshot --snapshot-every 3$/);
    const again = await cli('fuzz', ...command!.split(' '), '--shrink-runs', '0', '--out', fs.mkdtempSync(path.join(os.tmpdir(), 'raftcheck-mutants-')));
    expect(again.stdout).toMatch(/^mutant:snapshot-uncommitted: FAILED \[snapshot\.committed\]/);
  });
  it('--out saves each caught mutant as a regression case that replays', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raftcheck-mutants-'));
    const r = await cli('mutants', '--only', 'vote-twice', '--runs', '50', '--no-write', '--out', dir);
    expect(r.code).toBe(0);
    const saved = fs.readdirSync(dir).filter((f) => f.endsWith('.jsonl'));
    expect(saved).toHaveLength(1);
    expect(saved[0]).toMatch(/^vote-once-[0-9a-f]{12}\.jsonl$/);
    expect(r.stderr).toContain(`regression case: ${path.join(dir, saved[0]!)}`);
    const replay = await cli('replay', path.join(dir, saved[0]!));
    expect(replay.code).toBe(0);
    expect(replay.stdout).toMatch(/mutant:vote-twice fails \[vote-once\].*\(as expected\)\n.*reference passes \(as expected\)/);
  });
  it('rejects unknown mutants and bad options with exit 2', async () => {
    expect((await cli('mutants', '--only', 'nope')).code).toBe(2);
    expect((await cli('mutants', '--runs', '0')).code).toBe(2);
    expect((await cli('mutants', 'extra')).code).toBe(2);
  });
});
