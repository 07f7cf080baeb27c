/**
 * Feature `membership` (Ongaro's thesis ch. 4): single-server changes and learners. The
 * reference fuzzed with configuration changes passes every check, and its schedules reach what
 * the feature is for: servers added as learners and caught up, promoted, removed (a leader
 * among them); a configuration takes effect when appended and reverts when truncated.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRandom } from '../src/random.js';
import { parseFeatureList } from '../src/raft/features/index.js';
import { createReferenceNode } from '../src/raft/node.js';
import { DEFAULT_NODE_CONFIG, type Entry, type NodeConfig, type StepRecord } from '../src/raft/types.js';
import { runSchedule } from '../harness/fuzz/run-schedule.js';
import { scheduleArbitrary } from '../harness/fuzz/schedule.js';
import { describeEvent } from '../harness/viewer/describe.js';
import { cli } from './helpers/cli.js';

const cfg = (voters: string[], learners: string[] = []): Entry['command'] => ({ type: 'config', voters, learners });
const config = (id: string, voters: string[]): NodeConfig => ({ ...DEFAULT_NODE_CONFIG, id, members: ['n1', 'n2', 'n3', 'n4'], features: ['membership'], configuration: { voters, learners: [] } });
const kinds = (records: StepRecord[]) => records.map((r) => r.effect.kind);

describe('the reference with membership changes, fuzzed', () => {
  it('60 swarm schedules on 3 and 5 nodes pass every check, liveness included, and reach adds, promotions, removals, a removed leader and a learner caught up', () => {
    const schedules = fc.sample(scheduleArbitrary('swarm', [3, 5], 3000, ['membership']), { seed: 21, numRuns: 60 });
    const seen = { add: 0, promote: 0, remove: 0, leaderStepsDownRemoved: 0, learnerAppends: 0 };
    for (const s of schedules) {
      const r = runSchedule(s, createReferenceNode, { keepLines: true });
      expect(r.error ?? null).toBeNull();
      const learners = new Set<string>();
      const removedLeaders = new Set<string>();
      for (const l of r.lines) {
        if (l.kind === 'reconfigure') seen[l.change]++;
        if (l.kind === 'config') {
          for (const x of l.learners) if (x === l.node) learners.add(l.node);
          if (l.state?.role === 'leader' && !l.voters.includes(l.node)) removedLeaders.add(l.node);
        }
        if (l.kind === 'append' && learners.has(l.node)) seen.learnerAppends++;
        if (l.kind === 'role' && l.role === 'follower' && removedLeaders.delete(l.node)) seen.leaderStepsDownRemoved++;
      }
    }
    for (const [what, count] of Object.entries(seen)) expect(count, what).toBeGreaterThan(0);
  });
});

describe('a configuration in the log', () => {
  it('takes effect when appended, before it commits, and reverts when truncated', () => {
    const node = createReferenceNode(config('n2', ['n1', 'n2', 'n3']), { random: createRandom(1) });
    node.start();
    const ae = (prevLogIndex: number, prevLogTerm: number, entries: Entry[], term: number) => ({
      type: 'receive' as const,
      msg: { id: `m${term}-${prevLogIndex}`, type: 'AppendEntries' as const, from: 'n1', to: 'n2', term, leaderId: 'n1', prevLogIndex, prevLogTerm, entries, leaderCommit: 0 },
    });
    const appended = node.step(ae(0, 0, [{ term: 1, command: cfg(['n1', 'n2', 'n3'], ['n4']) }], 1));
    const effect = appended.find((r) => r.effect.kind === 'config')!.effect;
    expect(effect).toEqual({ kind: 'config', index: 1, voters: ['n1', 'n2', 'n3'], learners: ['n4'] });
    expect(node.live.commitIndex).toBe(0); // in effect, not committed
    // A leader of term 2 whose log differs at index 1: the entry goes, the initial configuration is back.
    const truncated = node.step(ae(0, 0, [{ term: 2, command: { type: 'noop' } }], 2));
    expect(kinds(truncated)).toContain('truncate');
    expect(truncated.find((r) => r.effect.kind === 'config')!.effect).toEqual({ kind: 'config', index: 0, voters: ['n1', 'n2', 'n3'], learners: [] });
  });

  it('a server that is not a voter of its configuration does not stand; a voter does', () => {
    const outsider = createReferenceNode(config('n4', ['n1', 'n2', 'n3']), { random: createRandom(1) });
    outsider.start();
    expect(kinds(outsider.step({ type: 'timeout', timer: 'election' }))).toEqual([]);
    const voter = createReferenceNode(config('n1', ['n1', 'n2', 'n3']), { random: createRandom(1) });
    voter.start();
    expect(kinds(voter.step({ type: 'timeout', timer: 'election' }))).toContain('term');
  });
});

describe('a leader changes the configuration', () => {
  /** n1 leads a cluster of voters n1, n2 (n3, n4 outside), elected in term 1. */
  function leader() {
    const n = createReferenceNode(config('n1', ['n1', 'n2']), { random: createRandom(1) });
    n.start();
    n.step({ type: 'timeout', timer: 'election' });
    n.step({ type: 'receive', msg: { id: 'v', type: 'RequestVoteResponse', from: 'n2', to: 'n1', term: 1, voteGranted: true } });
    expect(n.live.role).toBe('leader');
    return n;
  }
  const ack = (matchIndex: number, id: string, from = 'n2') => ({ type: 'receive' as const, msg: { id, type: 'AppendEntriesResponse' as const, from, to: 'n1', term: 1, success: true, matchIndex } });

  it('only after it has committed an entry of its own term, and one change at a time', () => {
    const n = leader();
    expect(n.step({ type: 'reconfigure', change: 'add', server: 'n3' })).toEqual([]); // nothing of term 1 committed yet
    n.step({ type: 'client_request', client: 'c', requestId: 1, op: { type: 'set', value: 1 } });
    n.step(ack(1, 'a1'));
    expect(n.live.commitIndex).toBe(1);
    const add = n.step({ type: 'reconfigure', change: 'add', server: 'n3' });
    expect(add.map((r) => r.effect)).toContainEqual({ kind: 'config', index: 2, voters: ['n1', 'n2'], learners: ['n3'] });
    expect(n.step({ type: 'reconfigure', change: 'add', server: 'n4' })).toEqual([]); // entry 2 uncommitted
    // The learner's acknowledgement does not count: entry 2 commits with n2's.
    n.step(ack(2, 'a2', 'n3'));
    expect(n.live.commitIndex).toBe(1);
    n.step(ack(2, 'a3'));
    expect(n.live.commitIndex).toBe(2);
    expect(kinds(n.step({ type: 'reconfigure', change: 'promote', server: 'n3' }))).toContain('config');
  });

  it('a leader that removes itself does not count itself, and steps down once the removal commits', () => {
    const n = leader();
    n.step({ type: 'client_request', client: 'c', requestId: 1, op: { type: 'set', value: 1 } });
    n.step(ack(1, 'a1'));
    n.step({ type: 'reconfigure', change: 'remove', server: 'n1' });
    expect(n.live.role).toBe('leader');
    n.step({ type: 'client_request', client: 'c', requestId: 2, op: { type: 'set', value: 2 } });
    expect(n.live.commitIndex).toBe(1); // its own copy no longer counts
    const commit = n.step(ack(3, 'a2'));
    expect(n.live.commitIndex).toBe(3);
    expect(commit.map((r) => r.effect)).toContainEqual({ kind: 'role', role: 'follower' });
    expect(kinds(n.step({ type: 'timeout', timer: 'election' }))).toEqual([]); // and never stands again
  });
});

describe('feature names', () => {
  it('membership runs with every other feature, and all names every feature', () => {
    expect(parseFeatureList('membership')).toEqual(['membership']);
    expect(parseFeatureList('membership,snapshot,prevote')).toEqual(['prevote', 'snapshot', 'membership']);
    expect(parseFeatureList('all')).toEqual(['prevote', 'checkquorum', 'transfer', 'snapshot', 'membership', 'heartbeat']);
  });
});

describe('simulate --features membership', () => {
  it('writes the initial configuration and the changes asked for (revision 1.3), and the trace validates; --members needs the feature', async () => {
    const bad = await cli('simulate', '--members', '2', '-o', '-');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--members: needs --features membership');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raftcheck-membership-'));
    const file = path.join(dir, 'm.jsonl');
    const ok = await cli('simulate', '--features', 'membership', '--nodes', '4', '--members', '2', '--reconfigure-every', '300ms', '--clients', '2', '--duration', '4s', '--seed', '3', '-o', file);
    expect(ok.code, ok.stderr).toBe(0);
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const header = lines[0] as { minor: number; features: string[]; params: { voters: string[]; learners: string[] } };
    expect([header.minor, header.features, header.params.voters, header.params.learners]).toEqual([3, ['membership'], ['n1', 'n2'], []]);
    expect(lines.some((l) => l.kind === 'reconfigure')).toBe(true);
    expect(lines.some((l) => l.kind === 'config')).toBe(true);
    const v = await cli('validate', file);
    expect(v.code, v.stdout + v.stderr).toBe(0);
  }, 60_000);
});

describe('the membership mutants, beyond conformance', () => {
  // The saved cases of the single-server change bug and of two changes in flight trip their own
  // rule with conformance off: the rules read the trace alone.
  const cases = fs.readdirSync('traces/regressions').filter((f) => f.endsWith('.jsonl')).map((f) => `traces/regressions/${f}`)
    .filter((f) => /"impl":"mutant:membership-(change-before-term-commit|two-changes-at-once)"/.test(fs.readFileSync(f, 'utf8').split('\n')[0]!));
  it('finds both saved cases', () => expect(cases.length).toBe(2));
  for (const file of cases) {
    it(`${file} trips membership.term-commit or membership.one-change without conformance`, async () => {
      const r = await cli('validate', '--skip', 'conformance.unexpected,conformance.missing,conformance.state,conformance.message', file);
      expect(r.code).toBe(1);
      const impl = /"impl":"mutant:([a-z-]+)"/.exec(fs.readFileSync(file, 'utf8'))![1];
      expect(r.stdout.split('\n')[0]).toMatch(impl === 'membership-change-before-term-commit' ? /\[membership\.term-commit\]$/ : /\[membership\.one-change\]$/);
    });
  }
});

describe('pictures', () => {
  it('diagram --features membership draws the feature\'s transitions, and the viewer describes its events', async () => {
    const r = await cli('diagram', '--features', 'membership', '--format', 'table');
    expect(r.code).toBe(0);
    for (const t of ['RECONFIGURE', 'canChangeConfiguration', 'isRemovedAndCommitted', 'mayNotStand', 'adoptLatestConfiguration']) expect(r.stdout).toContain(t);
    const base = { node: 'n1', seq: 1, time: 0 };
    expect(describeEvent({ ...base, kind: 'reconfigure', change: 'add', server: 'n4' })).toBe('asked to add n4 (as a learner)');
    expect(describeEvent({ ...base, kind: 'config', index: 2, voters: ['n1', 'n2'], learners: ['n4'] })).toBe('configuration of entry 2 in effect: voters {n1,n2}, learners {n4}');
  });
});
