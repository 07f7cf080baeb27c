/**
 * Helpers in the spirit of the MIT 6.5840 Raft lab tests (`one`, `checkOneLeader`,
 * `disconnect`), over the deterministic simulator: everything in virtual time, from a seed.
 */
import { expect } from 'vitest';
import type { Cluster, NodeFactory } from '../../harness/simulator/cluster.js';
import { enabledRules } from '../../harness/fuzz/run-schedule.js';
import { TraceValidation } from '../../harness/validate/validate-file.js';
import type { MemorySink } from '../../harness/trace/sink.js';
import { makeCluster } from './sim.js';

export function mitCluster(n: number, seed: number, network: { drop?: number; duplicate?: number; delay?: { min: number; max: number } } = {}, createNode?: NodeFactory) {
  const { cluster, sink } = makeCluster(n, seed, network, createNode);
  let clientSeq = 0;
  const cut = new Set<string>();
  const applyCuts = () => {
    if (cut.size === 0) return cluster.partitioned ? cluster.heal() : undefined;
    const rest = cluster.ids.filter((id) => !cut.has(id));
    cluster.partitionGroups([...[...cut].map((id) => [id]), ...(rest.length ? [rest] : [])]);
  };
  const api = {
    cluster,
    sink,
    run(ms: number) {
      cluster.runUntil(cluster.time + ms);
    },
    disconnect(id: string) {
      cut.add(id);
      applyCuts();
    },
    connect(id: string) {
      cut.delete(id);
      applyCuts();
    },
    connected(): string[] {
      return cluster.ids.filter((id) => !cut.has(id) && cluster.isUp(id));
    },
    /** The one leader of the highest term among connected nodes (fails if there are two in a term). */
    checkOneLeader(): string {
      for (let i = 0; i < 10; i++) {
        api.run(500);
        const byTerm = new Map<number, string[]>();
        for (const v of cluster.views()) if (v.role === 'leader' && api.connected().includes(v.id)) byTerm.set(v.term, [...(byTerm.get(v.term) ?? []), v.id]);
        for (const [term, ids] of byTerm) expect(ids.length, `term ${term} has leaders ${ids.join(', ')}`).toBe(1);
        if (byTerm.size > 0) return byTerm.get(Math.max(...byTerm.keys()))![0]!;
      }
      throw new Error('expected one leader, got none');
    },
    checkNoLeader(): void {
      for (const v of cluster.views()) if (api.connected().includes(v.id)) expect(v.role, `${v.id} should not lead`).not.toBe('leader');
    },
    /** Terms agree among connected nodes; returns the term. */
    checkTerms(): number {
      const terms = new Set(api.connected().map((id) => cluster.view(id)!.term));
      expect(terms.size).toBe(1);
      return [...terms][0]!;
    },
    /** How many nodes have applied `value` as their latest value at index `index`. */
    committedAt(index: number): { count: number; value: unknown } {
      let count = 0;
      let value: unknown;
      for (const v of cluster.views()) {
        if (v.commitIndex >= index) {
          const c = v.log[index - 1]!.command;
          const cv = c.type === 'set' ? c.value : c.type;
          if (count > 0) expect(cv, `index ${index} differs between nodes`).toEqual(value);
          value = cv;
          count++;
        }
      }
      return { count, value };
    },
    /** MIT's one(): submit `value` to whoever leads, until `expected` nodes have committed it; returns its index. */
    one(value: number, expected: number, retry = true): number {
      const deadline = cluster.time + 10_000;
      while (cluster.time < deadline) {
        for (const id of api.connected()) {
          const v = cluster.view(id)!;
          if (v.role !== 'leader') continue;
          const index = v.lastLogIndex + 1;
          cluster.clientRequest(id, 'mit', ++clientSeq, { type: 'set', value });
          for (let t = 0; t < 20; t++) {
            api.run(100);
            const c = api.committedAt(index);
            if (c.count >= expected && c.value === value) return index;
          }
          if (!retry) throw new Error(`one(${value}) failed to reach agreement`);
          break;
        }
        api.run(50);
      }
      throw new Error(`one(${value}) failed to reach agreement with ${expected} nodes`);
    },
    /** Sends of RequestVote and AppendEntries so far (and their responses). */
    messageCount(): number {
      return sink.lines.filter((l) => l.kind === 'send').length;
    },
    /** Every scenario's trace must pass every rule (that applies to the implementation). */
    validateTrace(): void {
      expectValid(sink, createNode);
    },
  };
  return api;
}

export function expectValid(sink: MemorySink, createNode?: NodeFactory): void {
  const enabled = createNode ? enabledRules(createNode) : undefined;
  const v = new TraceValidation({ maxErrors: 3, ...(enabled ? { enabled } : {}) });
  sink.lines.forEach((l, i) => v.line(l, i + 1));
  const report = v.finish('scenario', { lines: sink.lines.length, bytes: 0 });
  expect(report.errors).toEqual([]);
}

export type Mit = ReturnType<typeof mitCluster>;
export type { Cluster };
