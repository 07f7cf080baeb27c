import { describe, expect, it } from 'vitest';
import { MUTANTS, findMutant } from '../harness/mutants/catalogue.js';
import { huntMutant } from '../harness/mutants/hunt.js';
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

  for (const m of MUTANTS) {
    it(`catches ${m.name} within 20 runs from seed 1`, () => {
      const r = huntMutant(m.createNode, { runs: 20, seed: 1 });
      expect(r.detected, `${m.name} survived 20 runs`).toBe(true);
      expect(r.rule).toMatch(/^(conformance\.|[a-z-]+$)/);
      expect(r.seed).toBe(r.runs + 0);
    });
  }

  it('does not flag the reference itself over the same runs', () => {
    expect(huntMutant(createReferenceNode, { runs: 20, seed: 1 })).toEqual({ detected: false, runs: 20 });
  });

  it('stops when asked to', () => {
    expect(huntMutant(createReferenceNode, { runs: 20, seed: 1, shouldStop: () => true })).toEqual({ detected: false, runs: 0 });
  });
});

describe('raftcheck mutants', () => {
  it('lists the catalogue', async () => {
    const r = await cli('mutants', '--list');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(MUTANTS.length);
  });
  it('hunts chosen mutants and prints the table without writing MUTANTS.md', async () => {
    const r = await cli('mutants', '--only', 'vote-twice,commit-old-term', '--runs', '10', '--no-write');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\| `vote-twice` \| .* \| yes \| 1 \|/);
    expect(r.stdout).toMatch(/2 of 2 mutants caught/);
  });
  it('rejects unknown mutants and bad options with exit 2', async () => {
    expect((await cli('mutants', '--only', 'nope')).code).toBe(2);
    expect((await cli('mutants', '--runs', '0')).code).toBe(2);
    expect((await cli('mutants', 'extra')).code).toBe(2);
  });
});
