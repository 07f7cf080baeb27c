/**
 * The scenarios of the MIT 6.5840 Raft lab tests, which every Raft student knows, as seeded
 * runs in virtual time: the originals run in real time with unseeded randomness and cannot
 * be replayed; these give the same result on every run, in milliseconds. Every scenario's
 * whole trace must also pass every rule of the checker.
 */
import { describe, expect, it } from 'vitest';
import { resolveImplementation } from '../harness/fuzz/implementations.js';
import type { NodeFactory } from '../harness/simulator/cluster.js';
import { createRandom } from '../src/random.js';
import { mitCluster as mitClusterOf } from './helpers/mit.js';

/**
 * The implementations the suite runs against, and what differs by design:
 * - `leaderNoop`: a new leader appends an empty entry (etcd), so client entries start one later;
 * - `rpcBudget`: the MIT lab's idle budget (60 RPCs/s for 3 nodes) assumes heartbeats no more
 *   often than the lab allows; coaty heartbeats on every tick (a tenth of the election timeout,
 *   66/s here) by design, so the budget does not apply to it (docs/COATY.md).
 */
const IMPLEMENTATIONS: Array<{ name: string; createNode: NodeFactory; leaderNoop: boolean; rpcBudget: boolean }> = [
  { name: 'reference', createNode: resolveImplementation('reference') as NodeFactory, leaderNoop: false, rpcBudget: true },
  { name: 'coaty', createNode: resolveImplementation('coaty') as NodeFactory, leaderNoop: true, rpcBudget: false },
  { name: 'coaty:plain', createNode: resolveImplementation('coaty:plain') as NodeFactory, leaderNoop: true, rpcBudget: false },
];

for (const impl of IMPLEMENTATIONS) {
  const mitCluster = (n: number, seed: number, network?: Parameters<typeof mitClusterOf>[2]) => mitClusterOf(n, seed, network, impl.createNode);
  const noop = impl.leaderNoop ? 1 : 0;

  describe(`MIT 6.5840 scenarios (3A: election): ${impl.name}`, () => {
    it('initial election: one leader, terms agree, and nothing changes without failures', () => {
      const t = mitCluster(3, 101);
      t.checkOneLeader();
      const term1 = t.checkTerms();
      t.run(2000);
      expect(t.checkTerms()).toBe(term1);
      t.checkOneLeader();
      t.validateTrace();
    });

    it('re-election: a cut-off leader is replaced; its return does not disturb; no leader without a quorum', () => {
      const t = mitCluster(3, 102);
      const leader1 = t.checkOneLeader();
      t.disconnect(leader1);
      const leader2 = t.checkOneLeader();
      expect(leader2).not.toBe(leader1);
      t.connect(leader1);
      expect(t.checkOneLeader()).toBeTruthy();
      const leader3 = t.checkOneLeader();
      t.disconnect(leader3);
      t.disconnect(t.cluster.ids.find((id) => id !== leader3 && t.connected().includes(id))!);
      t.run(2000);
      t.checkNoLeader();
      for (const id of t.cluster.ids) t.connect(id);
      t.checkOneLeader();
      t.validateTrace();
    });

    it('many elections: 7 nodes, 3 cut off at random, ten times over', () => {
      const t = mitCluster(7, 103);
      const random = createRandom(103);
      t.checkOneLeader();
      for (let round = 0; round < 10; round++) {
        const cut = new Set<string>();
        while (cut.size < 3) cut.add(random.pick(t.cluster.ids));
        for (const id of cut) t.disconnect(id);
        t.checkOneLeader(); // four of seven still form a majority
        for (const id of cut) t.connect(id);
      }
      t.checkOneLeader();
      t.validateTrace();
    });
  });

  describe(`MIT 6.5840 scenarios (3B: agreement): ${impl.name}`, () => {
    it('basic agreement: three writes commit, in order, on every node', () => {
      const t = mitCluster(3, 201);
      t.checkOneLeader();
      for (let i = 1; i <= 3; i++) expect(t.one(100 + i, 3)).toBe(i + noop);
      t.validateTrace();
    });

    it('agreement despite a follower failure, and after it returns', () => {
      const t = mitCluster(3, 202);
      const leader = t.checkOneLeader();
      t.one(101, 3);
      const follower = t.cluster.ids.find((id) => id !== leader)!;
      t.disconnect(follower);
      t.one(102, 2);
      t.run(1000);
      t.one(103, 2);
      t.connect(follower);
      t.one(104, 3);
      t.validateTrace();
    });

    it('no agreement when 3 of 5 are cut off; agreement again when they return', () => {
      const t = mitCluster(5, 203);
      const leader = t.checkOneLeader();
      t.one(10, 5);
      const others = t.cluster.ids.filter((id) => id !== leader).slice(0, 3);
      for (const id of others) t.disconnect(id);
      const index = t.cluster.view(leader)!.lastLogIndex + 1;
      t.cluster.clientRequest(leader, 'c', 1, { type: 'set', value: 20 });
      t.run(2000);
      expect(t.committedAt(index).count).toBe(0);
      for (const id of others) t.connect(id);
      t.one(30, 5);
      t.validateTrace();
    });

    it('concurrent starts: five clients at once, each write committed exactly once', () => {
      const t = mitCluster(3, 204);
      const leader = t.checkOneLeader();
      for (let c = 1; c <= 5; c++) t.cluster.clientRequest(leader, `c${c}`, 1, { type: 'set', value: c });
      t.run(1000);
      const v = t.cluster.view(leader)!;
      expect(v.commitIndex).toBe(5 + noop);
      expect(v.log.filter((e) => e.command.type !== 'noop').map((e) => (e.command.type === 'set' ? e.command.client : '')).sort()).toEqual(['c1', 'c2', 'c3', 'c4', 'c5']);
      t.validateTrace();
    });

    it('rejoin: a stale leader\'s uncommitted entries are overwritten', () => {
      const t = mitCluster(3, 205);
      t.one(101, 3);
      const leader1 = t.checkOneLeader();
      t.disconnect(leader1);
      for (let i = 0; i < 3; i++) t.cluster.clientRequest(leader1, 'stale', i + 1, { type: 'set', value: 900 + i });
      t.one(103, 2);
      const leader2 = t.checkOneLeader();
      t.disconnect(leader2);
      t.connect(leader1);
      t.one(104, 2);
      t.connect(leader2);
      t.one(105, 3);
      const logs = t.cluster.views().map((v) => JSON.stringify(v.log));
      expect(new Set(logs).size).toBe(1);
      expect(logs[0]).not.toContain('"stale"');
      t.validateTrace();
    });

    it('backup: a leader brings back followers after 50 conflicting uncommitted entries, fast', () => {
      const t = mitCluster(5, 206);
      const leader1 = t.checkOneLeader();
      t.one(1, 5);
      const [a] = t.cluster.ids.filter((id) => id !== leader1);
      // Put the leader and one follower in a minority: 50 entries there never commit.
      for (const id of t.cluster.ids) if (id !== leader1 && id !== a) t.disconnect(id);
      for (let i = 0; i < 50; i++) t.cluster.clientRequest(leader1, 'lost', i + 1, { type: 'set', value: 1000 + i });
      t.run(500);
      for (const id of t.cluster.ids) (id === leader1 || id === a ? t.disconnect(id) : t.connect(id));
      for (let i = 0; i < 50; i++) t.one(2000 + i, 3);
      for (const id of t.cluster.ids) t.connect(id);
      const before = t.messageCount();
      t.one(3000, 5);
      expect(t.cluster.views().every((v) => !JSON.stringify(v.log).includes('"lost"'))).toBe(true);
      expect(t.messageCount() - before).toBeLessThan(400); // conflict hints skip whole terms
      t.validateTrace();
    });

    if (impl.rpcBudget) it('message budgets: at most 30 messages for an election, at most 60 per idle second (3 nodes)', () => {
      const t = mitCluster(3, 207);
      t.checkOneLeader();
      // The first leader needs RequestVote + responses and a heartbeat round: well under 30.
      const electionMessages = t.sink.lines.findIndex((l) => l.kind === 'role' && l.role === 'leader');
      expect(t.sink.lines.slice(0, electionMessages).filter((l) => l.kind === 'send').length).toBeLessThanOrEqual(30);
      // An idle second: requests (RPCs) only, as the MIT test counts them.
      const start = t.cluster.time;
      t.run(1000);
      const rpcs = t.sink.lines.filter((l) => l.kind === 'send' && l.time > start && (l.msg.type === 'AppendEntries' || l.msg.type === 'RequestVote')).length;
      expect(rpcs).toBeGreaterThan(0);
      expect(rpcs).toBeLessThanOrEqual(60);
      t.validateTrace();
    });
  });

  describe(`MIT 6.5840 scenarios (3C: persistence): ${impl.name}`, () => {
    it('persistence: crash and restart all, some, and the leader; committed values survive', () => {
      const t = mitCluster(3, 301);
      t.one(11, 3);
      for (const id of t.cluster.ids) t.cluster.crash(id);
      for (const id of t.cluster.ids) t.cluster.restart(id);
      t.one(12, 3);
      const leader = t.checkOneLeader();
      t.cluster.crash(leader);
      t.cluster.restart(leader);
      t.one(13, 3);
      const other = t.cluster.ids.find((id) => id !== t.checkOneLeader())!;
      t.cluster.crash(other);
      t.one(14, 2);
      t.cluster.restart(other);
      t.one(15, 3);
      expect(t.cluster.views().map((v) => v.value)).toEqual([15, 15, 15]);
      t.validateTrace();
    });

    it('Figure 8: repeated leader crashes around writes never lose a committed entry', () => {
      const t = mitCluster(5, 302);
      const random = createRandom(302);
      t.one(1, 1);
      const acknowledged: number[] = [];
      for (let iter = 0; iter < 40; iter++) {
        const leader = t.cluster.views().find((v) => v.role === 'leader');
        if (leader) t.cluster.clientRequest(leader.id, 'f8', iter + 1, { type: 'set', value: 100 + iter });
        t.run(random.chance(0.1) ? random.int(0, 500) : random.int(0, 13));
        if (leader && random.chance(0.5)) t.cluster.crash(leader.id);
        const up = t.cluster.ids.filter((id) => t.cluster.isUp(id));
        if (up.length < 3) t.cluster.restart(random.pick(t.cluster.ids.filter((id) => !t.cluster.isUp(id))));
      }
      for (const id of t.cluster.ids) if (!t.cluster.isUp(id)) t.cluster.restart(id);
      t.one(999, 5);
      for (const l of t.sink.lines) if (l.kind === 'client_response' && l.client === 'f8' && l.result.status === 'ok') acknowledged.push(l.requestId);
      const finalLog = JSON.stringify(t.cluster.views()[0]!.log);
      for (const id of acknowledged) expect(finalLog).toContain(`"client":"f8","requestId":${id}}`);
      t.validateTrace();
    });

    it('unreliable network (10% loss, duplicates, reordering): agreement on 20 writes', () => {
      const t = mitCluster(5, 303, { drop: 0.1, duplicate: 0.05, delay: { min: 1, max: 40 } });
      for (let i = 0; i < 20; i++) t.one(i, 5);
      t.validateTrace();
    });

    it('churn: random crashes, restarts and partitions; every acknowledged write stays committed', () => {
      const t = mitCluster(5, 304, { drop: 0.05 });
      const random = createRandom(304);
      let seq = 0;
      for (let iter = 0; iter < 30; iter++) {
        for (const v of t.cluster.views()) if (v.role === 'leader') t.cluster.clientRequest(v.id, 'churn', ++seq, { type: 'set', value: seq });
        const victim = random.pick(t.cluster.ids);
        if (random.chance(0.3)) (t.cluster.isUp(victim) ? t.cluster.crash(victim) : t.cluster.restart(victim));
        if (random.chance(0.3)) (t.connected().includes(victim) ? t.disconnect(victim) : t.connect(victim));
        t.run(random.int(10, 300));
      }
      for (const id of t.cluster.ids) {
        t.connect(id);
        if (!t.cluster.isUp(id)) t.cluster.restart(id);
      }
      t.one(-1, 5);
      const finalLog = JSON.stringify(t.cluster.views()[0]!.log);
      const acked = t.sink.lines.filter((l) => l.kind === 'client_response' && l.client === 'churn' && l.result.status === 'ok');
      expect(acked.length).toBeGreaterThan(5);
      for (const l of acked) if (l.kind === 'client_response') expect(finalLog).toContain(`"client":"churn","requestId":${l.requestId}}`);
      t.validateTrace();
    });
  });
}
