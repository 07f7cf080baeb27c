/**
 * The feature rules read the leader lease from the trace's time (harness/checker/features/
 * node-facts.ts: in lease at t when t < last heard + electionTimeoutMin); the reference keeps it
 * with a timer (src/raft/features/lease.ts). Differential check over faulty simulated runs: at
 * every RequestVote and PreVote a node receives, the two agree — except at the very
 * millisecond the lease ends, where the reference's timer and the delivery are ordered by the
 * event queue and the rule takes the lease as over (so it never forbids what the reference
 * may do there).
 */
import { describe, expect, it } from 'vitest';
import { inLease, absorb, newFacts, type NodeFacts } from '../harness/checker/features/node-facts.js';
import { DEFAULT_SIMULATION, simulate } from '../harness/simulator/simulate.js';
import type { NodeFactory } from '../harness/simulator/cluster.js';
import { createReferenceNode, type ReferenceRaftNode } from '../src/raft/node.js';
import { DEFAULT_NODE_CONFIG } from '../src/raft/types.js';
import type { NodeTraceEvent, TraceLine } from '../src/trace/schema.js';

describe('the leader lease: rule (trace time) against reference (timer)', () => {
  it('agree at every vote and pre-vote request of 24 faulty runs with prevote and checkquorum', () => {
    let compared = 0;
    let inLeaseSeen = 0;
    let boundary = 0;
    const min = DEFAULT_NODE_CONFIG.electionTimeout.min;
    for (let seed = 1; seed <= 24; seed++) {
      const nodes = new Map<string, ReferenceRaftNode>();
      const createNode: NodeFactory = (config, options) => {
        const n = createReferenceNode(config, options);
        nodes.set(config.id, n);
        return n;
      };
      const facts = new Map<string, NodeFacts>();
      const sink = {
        write(line: TraceLine) {
          if (!('node' in line) || line.node === undefined || line.kind === 'note') return;
          const e = line as NodeTraceEvent;
          let f = facts.get(e.node);
          if (!f) facts.set(e.node, (f = newFacts(e.node)));
          absorb(f, e);
          // The receive is written before the node handles it: the reference's lease is the one it decides with.
          if (e.kind !== 'receive' || (e.msg.type !== 'RequestVote' && e.msg.type !== 'PreVote')) return;
          const reference = nodes.get(e.node)!.live.inLease;
          const rule = inLease(f, e.time, min);
          if (reference !== rule && f.leaseTerm !== null && e.time === f.leaseStart + min) {
            boundary++;
            expect(rule).toBe(false);
            return;
          }
          expect(rule, `seed ${seed}: ${e.node} at ${e.time} ms`).toBe(reference);
          compared++;
          if (reference) inLeaseSeen++;
        },
        close() {},
      };
      simulate({ ...DEFAULT_SIMULATION, seed, nodes: seed % 2 ? 3 : 5, durationMs: 4000, drop: 0.05, partitionEvery: 1000, crashEvery: 1500, clients: 1, node: { ...DEFAULT_NODE_CONFIG, features: ['prevote', 'checkquorum'] } }, sink, createNode);
    }
    expect(compared).toBeGreaterThan(300);
    expect(inLeaseSeen).toBeGreaterThan(30);
    expect(boundary).toBeLessThan(compared / 20);
  });
});
