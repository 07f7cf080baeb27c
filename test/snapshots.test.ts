/**
 * Feature `snapshot` (paper §7, Figure 13): the log's compaction keeps absolute indices; the
 * reference fuzzed with snapshots on passes every check, and its schedules reach what the
 * feature is for (followers far enough behind to be sent the snapshot, restarts from one); the
 * checker's compacted structures agree with uncompacted ones (differential, fast-check).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RaftLog } from '../src/raft/log.js';
import { createReferenceNode } from '../src/raft/node.js';
import type { Entry } from '../src/trace/schema.js';
import { ForgetfulArray } from '../harness/checker/forgetful-array.js';
import { NodeLog } from '../harness/checker/node-log.js';
import { runSchedule } from '../harness/fuzz/run-schedule.js';
import { scheduleArbitrary } from '../harness/fuzz/schedule.js';
import { cli } from './helpers/cli.js';

const entry = (term: number, value: number): Entry => ({ term, command: { type: 'set', value } });

describe('RaftLog with a snapshot', () => {
  it('keeps absolute indices: the last compacted entry is known by its term only', () => {
    const log = new RaftLog([entry(1, 1), entry(1, 2), entry(2, 3), entry(2, 4)]);
    log.compact(2);
    expect([log.snapshotIndex, log.snapshotTerm, log.lastIndex, log.lastTerm]).toEqual([2, 1, 4, 2]);
    expect([log.termAt(1), log.termAt(2), log.termAt(3)]).toEqual([undefined, 1, 2]);
    expect(log.entry(2)).toBeUndefined();
    expect(log.entry(3)).toEqual(entry(2, 3));
    expect(log.slice(3, 10)).toEqual([entry(2, 3), entry(2, 4)]);
    expect(log.lastIndexOfTerm(1)).toBe(2);
    log.truncateFrom(1); // never under the snapshot: ignored
    expect(log.lastIndex).toBe(4);
    log.truncateFrom(3);
    expect([log.lastIndex, log.lastTerm]).toEqual([2, 1]);
  });
  it('installs a snapshot keeping the suffix that agrees with it, else discarding the log', () => {
    const kept = new RaftLog([entry(1, 1), entry(1, 2), entry(2, 3)]);
    kept.install(2, 1, true);
    expect([kept.snapshotIndex, kept.lastIndex, kept.termAt(3)]).toEqual([2, 3, 2]);
    const discarded = new RaftLog([entry(1, 1), entry(1, 2), entry(2, 3)]);
    discarded.install(5, 3, false);
    expect([discarded.snapshotIndex, discarded.lastIndex, discarded.lastTerm, discarded.view().length]).toEqual([5, 5, 3, 0]);
  });
});

describe('the reference with snapshots, fuzzed', () => {
  it('40 swarm schedules on 3 and 5 nodes pass every check, and reach InstallSnapshot, installs and restarts from a snapshot', () => {
    const schedules = fc.sample(scheduleArbitrary('swarm', [3, 5], 3000, ['snapshot']), { seed: 16, numRuns: 40 });
    const seen = { InstallSnapshot: 0, install_snapshot: 0, snapshot: 0, restartFromSnapshot: 0 };
    for (const schedule of schedules) {
      const outcome = runSchedule(schedule, createReferenceNode, { keepLines: true });
      expect(outcome.error ?? null).toBeNull();
      for (const l of outcome.lines) {
        if (l.kind === 'send' && l.msg.type === 'InstallSnapshot') seen.InstallSnapshot++;
        if (l.kind === 'install_snapshot') seen.install_snapshot++;
        if (l.kind === 'snapshot') seen.snapshot++;
        if (l.kind === 'restart' && l.persisted?.snapshot) seen.restartFromSnapshot++;
      }
    }
    for (const [what, count] of Object.entries(seen)) expect(count, what).toBeGreaterThan(0);
  });
});

describe('compacted checker structures against uncompacted ones (differential)', () => {
  const entries = fc.array(fc.record({ term: fc.integer({ min: 1, max: 3 }), value: fc.integer({ min: 1, max: 3 }) }).map((e) => entry(e.term, e.value)), { minLength: 1, maxLength: 12 });
  const op = fc.oneof(
    fc.record({ kind: fc.constant('append' as const), back: fc.nat(4), entries }),
    fc.record({ kind: fc.constant('truncate' as const), back: fc.nat(4) }),
    fc.record({ kind: fc.constant('compact' as const), back: fc.nat(6) }),
  );

  it('NodeLog: prefix hashes, terms and first differences above the snapshot are those of the whole log', () => {
    fc.assert(fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
      const whole = new NodeLog();
      const compacted = new NodeLog();
      for (const o of ops) {
        if (o.kind === 'append') {
          const index = Math.max(compacted.base + 1, whole.lastIndex + 1 - o.back);
          whole.append(index, o.entries);
          compacted.append(index, o.entries);
        } else if (o.kind === 'truncate') {
          const from = Math.max(compacted.base + 1, whole.lastIndex - o.back);
          whole.truncate(from);
          compacted.truncate(from);
        } else {
          compacted.compact(Math.max(0, whole.lastIndex - o.back));
        }
        expect(compacted.lastIndex).toBe(whole.lastIndex);
        expect(compacted.lastTerm).toBe(whole.lastTerm);
        for (let i = compacted.base; i <= whole.lastIndex; i++) {
          expect(compacted.prefixHash(i)).toBe(whole.prefixHash(i));
          expect(compacted.termAt(i)).toBe(whole.termAt(i));
        }
        for (let i = 1; i < compacted.base; i++) expect(compacted.prefixHash(i)).toBeUndefined();
        expect(compacted.firstDifference(whole, whole.lastIndex)).toBeNull();
        // Up to an index under the snapshot, nothing can be compared: no difference, and never one past upTo.
        for (let upTo = 1; upTo < compacted.base; upTo++) {
          expect(whole.firstDifference(compacted, upTo)).toBeNull();
          expect(compacted.firstDifference(whole, upTo)).toBeNull();
        }
      }
    }), { numRuns: 200 });
  });

  it('NodeLog: a first difference asked for under the other log\'s snapshot is none (it used to be an index past upTo, which crashed the durability check of a restart)', () => {
    const whole = new NodeLog();
    whole.append(1, [entry(1, 1), entry(1, 2)]);
    const restarted = NodeLog.like(whole, [], { index: 2, term: 1, hash: whole.prefixHash(2)! });
    expect(whole.firstDifference(restarted, 1)).toBeNull();
  });

  it('ForgetfulArray: reads what an array holds at or above the floor, nothing below it', () => {
    const action = fc.oneof(
      fc.record({ set: fc.nat(3000), value: fc.integer() }),
      fc.record({ forget: fc.nat(3000) }),
    );
    fc.assert(fc.property(fc.array(action, { maxLength: 200 }), (actions) => {
      const plain: number[] = [];
      const forgetful = new ForgetfulArray<number>();
      let floor = 0;
      for (const a of actions) {
        if ('set' in a) {
          if (a.set >= floor) plain[a.set] = a.value;
          forgetful.set(a.set, a.value);
        } else {
          floor = Math.max(floor, a.forget);
          forgetful.forgetBelow(a.forget);
        }
      }
      for (let i = 0; i < 3001; i++) if (forgetful.get(i) !== (i < floor ? undefined : plain[i])) expect(forgetful.get(i), `index ${i}`).toBe(i < floor ? undefined : plain[i]);
    }), { numRuns: 60 });
  });
});

describe('--snapshot-every', () => {
  it('is refused without the snapshot feature, and recorded in the header with it', async () => {
    const bad = await cli('simulate', '--snapshot-every', '3', '-o', '-');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--snapshot-every: needs --features snapshot');
    const ok = await cli('simulate', '--features', 'snapshot', '--snapshot-every', '3', '--clients', '1', '--duration', '1s', '-o', '-');
    expect(ok.code).toBe(0);
    const header = JSON.parse(ok.stdout.split('\n')[0]!) as { minor: number; features: string[]; params: { snapshotEvery: number } };
    expect([header.minor, header.features, header.params.snapshotEvery]).toEqual([2, ['snapshot'], 3]);
    expect(ok.stdout).toContain('"kind":"snapshot"');
  });
});

describe('an implementation that declares snapshot', () => {
  it('is accepted, as is membership: adapters and drivers report snapshots and configurations (docs/ADAPTERS.md)', async () => {
    const { unknownFeature } = await import('../harness/adapters/features.js');
    expect(unknownFeature(['prevote', 'snapshot', 'membership'])).toBeNull();
    expect(unknownFeature(['prevote', 'snapshots'])).toEqual({ index: 1, message: "raftcheck does not model feature 'snapshots' (known: prevote, checkquorum, transfer, snapshot, membership, heartbeat)" });
    // etcd's timing of membership changes is checked on imported transcripts only.
    expect(unknownFeature(['membership', 'config-on-apply'])).toEqual({ index: 1, message: "feature 'config-on-apply' cannot be declared by an implementation yet: it is checked on imported etcd transcripts only (known: prevote, checkquorum, transfer, snapshot, membership, heartbeat)" });
  });
});
