/**
 * One- and two-node clusters are legal Raft: one node is its own majority (it elects itself on
 * its first election timeout and commits each write alone); two nodes need each other for
 * every vote and every commit. The reference, the reference through the adapter interface and
 * the Python example must pass fuzzing at these sizes, every rule checked.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { referenceThroughAdapter } from '../harness/adapters/reference.js';
import { runCampaign } from '../harness/fuzz/campaign.js';
import { runSchedule } from '../harness/fuzz/run-schedule.js';
import { scheduleArbitrary } from '../harness/fuzz/schedule.js';
import { createReferenceNode } from '../src/raft/node.js';
import { cli } from './helpers/cli.js';
import { PYTHON } from './helpers/python.js';

describe('small clusters', () => {
  for (const nodes of [1, 2]) {
    it(`the reference passes faulty schedules with ${nodes} node${nodes > 1 ? 's' : ''}`, () => {
      const r = runCampaign({ impl: 'reference', createNode: createReferenceNode, runs: 60, seed: 5, nodes: [nodes], faults: 'swarm', durationMs: 2000 });
      expect(r.failure).toBeNull();
      expect(r.events).toBeGreaterThan(5_000);
    });

    it(`the reference through the adapter interface passes them with ${nodes} node${nodes > 1 ? 's' : ''}`, () => {
      const r = runCampaign({ impl: 'adapter:reference', createNode: referenceThroughAdapter, runs: 60, seed: 5, nodes: [nodes], faults: 'swarm', durationMs: 2000 });
      expect(r.failure).toBeNull();
    });
  }

  it('through the adapter, a one-node election is logged as the reference logs it: candidate, term, vote, leader', () => {
    // The adapter sees only the states before and after the timeout (follower of term 0, then
    // leader of term 1); the election in between must still be spelled out, state by state.
    let elections = 0;
    for (const schedule of fc.sample(scheduleArbitrary('harsh', [1]), { seed: 3, numRuns: 10 })) {
      const strip = (lines: ReturnType<typeof runSchedule>['lines']) => lines.filter((l) => l.kind !== 'header').map((l) => JSON.stringify(l));
      // (Without the liveness phase, whose restart times differ by a few ms through the adapter.)
      const direct = runSchedule(schedule, createReferenceNode, { keepLines: true, liveness: false });
      const adapted = runSchedule(schedule, referenceThroughAdapter, { keepLines: true, liveness: false });
      expect(adapted.error?.rule).toBe(direct.error?.rule); // both valid, or both "unconstrained" (a schedule that crashes n1 at once)
      expect(strip(adapted.lines)).toEqual(strip(direct.lines));
      elections += direct.lines.filter((l) => l.kind === 'role' && l.role === 'leader').length;
    }
    expect(elections).toBeGreaterThan(10);
  });

  it('raftcheck fuzz --nodes 1 and --nodes 2 pass for the reference and adapter:reference', async () => {
    for (const impl of ['reference', 'adapter:reference']) {
      for (const nodes of ['1', '2']) {
        const r = await cli('fuzz', '--impl', impl, '--nodes', nodes, '--runs', '30', '--faults', 'swarm', '--duration', '1s');
        expect(r.stdout, `${impl} --nodes ${nodes}`).toMatch(new RegExp(`^${impl}: no failure in 30 runs`));
        expect(r.code).toBe(0);
      }
    }
  });

  it('the Python example passes with one node and with two (raftcheck fuzz --impl cmd:"python3 ...")', async () => {
    for (const nodes of ['1', '2']) {
      const r = await cli('fuzz', '--impl', `cmd:${PYTHON} examples/python-raft/raft_node.py`, '--runs', '4', '--seed', '2', '--faults', 'swarm', '--duration', '1s', '--nodes', nodes);
      expect(r.stderr).toBe('');
      expect(r.stdout, `--nodes ${nodes}`).toMatch(/: no failure in 4 runs \(\d+ events/);
      expect(r.code).toBe(0);
    }
  });
});
