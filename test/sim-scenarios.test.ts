import { describe, expect, it } from 'vitest';
import type { TraceLine } from '../src/trace/schema.js';
import { leaders, makeCluster, runUntilLeader } from './helpers/sim.js';

const linesOf = (lines: TraceLine[], kind: string, node?: string) => lines.filter((l) => l.kind === kind && (node === undefined || ('node' in l && l.node === node)));

describe('simulated scenarios (virtual time)', () => {
  it('a healthy 3-node cluster elects one leader within a second', () => {
    const { cluster } = makeCluster(3, 11);
    const leader = runUntilLeader(cluster, 1000);
    cluster.runUntil(cluster.time + 2000); // and it stays: heartbeats keep followers quiet
    expect(leaders(cluster).map((v) => v.id)).toEqual([leader.id]);
    expect(cluster.views().every((v) => v.term === leader.term)).toBe(true);
  });

  it('a healthy 5-node cluster elects one leader within a second', () => {
    const { cluster } = makeCluster(5, 12);
    const leader = runUntilLeader(cluster, 1000);
    cluster.runUntil(cluster.time + 100); // the first heartbeats reach everyone
    expect(cluster.views().filter((v) => v.role === 'follower')).toHaveLength(4);
    expect(cluster.views().every((v) => v.term === leader.term)).toBe(true);
  });

  it('when the leader stops, a new leader is elected in a higher term', () => {
    const { cluster } = makeCluster(3, 13);
    const first = runUntilLeader(cluster);
    cluster.crash(first.id);
    const second = runUntilLeader(cluster, 2000);
    expect(second.id).not.toBe(first.id);
    expect(second.term).toBeGreaterThan(first.term);
  });

  it('a split vote (three candidates at once) resolves in a later term', () => {
    const { cluster, sink } = makeCluster(3, 14);
    for (const id of cluster.ids) cluster.fireTimer(id, 'election');
    expect(cluster.views().map((v) => [v.role, v.term, v.votedFor])).toEqual([['candidate', 1, 'n1'], ['candidate', 1, 'n2'], ['candidate', 1, 'n3']]);
    const leader = runUntilLeader(cluster, 3000);
    expect(leader.term).toBeGreaterThan(1);
    expect(linesOf(sink.lines, 'role').filter((l) => l.kind === 'role' && l.role === 'leader' && l.state?.term === 1)).toEqual([]);
  });

  it('a write of 5 is committed and applied on every node (the seed notes\' example)', () => {
    const { cluster, sink } = makeCluster(3, 15);
    const leader = runUntilLeader(cluster);
    cluster.clientRequest(leader.id, 'c1', 1, { type: 'set', value: 5 });
    cluster.runUntil(cluster.time + 300);
    for (const v of cluster.views()) expect(v).toMatchObject({ commitIndex: 1, lastApplied: 1, value: 5 });
    expect(linesOf(sink.lines, 'client_response')).toEqual([expect.objectContaining({ client: 'c1', requestId: 1, result: { status: 'ok' } })]);
  });

  it('a stale leader cut off in a minority cannot commit, steps down after healing, and its conflicting entries are deleted', () => {
    const { cluster, sink } = makeCluster(3, 16);
    const old = runUntilLeader(cluster);
    cluster.clientRequest(old.id, 'c1', 1, { type: 'set', value: 1 });
    cluster.runUntil(cluster.time + 200);
    const rest = cluster.ids.filter((id) => id !== old.id);
    cluster.partitionGroups([[old.id], rest]);
    cluster.clientRequest(old.id, 'c1', 2, { type: 'set', value: 2 }); // will never commit
    cluster.clientRequest(old.id, 'c1', 3, { type: 'set', value: 3 });
    const fresh = runUntilLeader(cluster, 3000, old.id);
    expect(fresh.term).toBeGreaterThan(old.term);
    cluster.clientRequest(fresh.id, 'c2', 1, { type: 'set', value: 9 });
    cluster.runUntil(cluster.time + 500);
    const stale = cluster.view(old.id)!;
    expect(stale).toMatchObject({ role: 'leader', commitIndex: 1, lastLogIndex: 3 }); // still thinks it leads; nothing new committed
    cluster.heal();
    cluster.runUntil(cluster.time + 500);
    const after = cluster.view(old.id)!;
    expect(after.role).toBe('follower');
    expect(after.term).toBe(cluster.view(fresh.id)!.term);
    expect(after.log).toEqual(cluster.view(fresh.id)!.log);
    expect(after.value).toBe(9);
    expect(linesOf(sink.lines, 'truncate', old.id)).toEqual([expect.objectContaining({ fromIndex: 2 })]);
    expect(linesOf(sink.lines, 'client_response').filter((l) => l.kind === 'client_response' && l.client === 'c1' && l.requestId > 1)).toEqual([]);
  });

  it('a follower that missed entries is caught up by the leader', () => {
    const { cluster } = makeCluster(5, 17);
    const leader = runUntilLeader(cluster);
    const lagging = cluster.ids.find((id) => id !== leader.id)!;
    cluster.crash(lagging);
    for (let i = 1; i <= 150; i++) cluster.clientRequest(leader.id, 'c', i, { type: 'set', value: i });
    cluster.runUntil(cluster.time + 300);
    cluster.restart(lagging);
    cluster.runUntil(cluster.time + 1000);
    expect(cluster.view(lagging)).toMatchObject({ lastLogIndex: 150, commitIndex: 150, value: 150 });
  });

  it('a crashed node restarts with its term, vote and log, and its volatile state reset', () => {
    const { cluster, sink } = makeCluster(3, 18);
    const leader = runUntilLeader(cluster);
    cluster.clientRequest(leader.id, 'c', 1, { type: 'set', value: 7 });
    cluster.runUntil(cluster.time + 300);
    const victim = cluster.ids.find((id) => id !== leader.id)!;
    const before = cluster.view(victim)!;
    cluster.crash(victim);
    expect(cluster.isUp(victim)).toBe(false);
    expect(cluster.view(victim)).toBeNull();
    cluster.restart(victim);
    const after = cluster.view(victim)!;
    expect(after).toMatchObject({ term: before.term, votedFor: before.votedFor, lastLogIndex: before.lastLogIndex, commitIndex: 0, lastApplied: 0, value: null, role: 'follower' });
    expect(after.log).toEqual(before.log);
    const restart = linesOf(sink.lines, 'restart', victim)[0]!;
    expect(restart).toMatchObject({ persisted: { term: before.term, votedFor: before.votedFor, log: before.log } });
    cluster.runUntil(cluster.time + 300);
    expect(cluster.view(victim)).toMatchObject({ commitIndex: 1, value: 7 });
  });

  it('messages to a crashed node, or across a cut link, are dropped and logged as such', () => {
    const { cluster, sink } = makeCluster(3, 19);
    runUntilLeader(cluster);
    cluster.crash('n3');
    cluster.partitionLinks([{ from: 'n1', to: 'n2' }]);
    cluster.runUntil(cluster.time + 300);
    const drops = sink.lines.filter((l) => l.kind === 'drop');
    expect(drops.some((d) => d.kind === 'drop' && d.reason === 'crash')).toBe(true);
    expect(drops.some((d) => d.kind === 'drop' && d.reason === 'partition')).toBe(true);
    expect(cluster.partitioned).toBe(true);
  });

  it('a lossy, duplicating network still elects a leader and commits', () => {
    const { cluster, sink } = makeCluster(3, 20, { drop: 0.2, duplicate: 0.2 });
    const leader = runUntilLeader(cluster, 5000);
    cluster.clientRequest(leader.id, 'c', 1, { type: 'set', value: 5 });
    cluster.runUntil(cluster.time + 1500);
    expect(Math.max(...cluster.views().map((v) => v.commitIndex))).toBeGreaterThanOrEqual(1);
    expect(sink.lines.some((l) => l.kind === 'duplicate')).toBe(true);
    expect(sink.lines.some((l) => l.kind === 'drop' && l.reason === 'loss')).toBe(true);
  });
});
