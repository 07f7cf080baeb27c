/**
 * @coaty/consensus.raft, a Raft implementation nobody here wrote, under test through its
 * adapter (harness/adapters/coaty): it loads without sqlite3's native addon, runs
 * deterministically without touching the global Math.random, passes a fuzz campaign on the
 * rules that apply to it (what does not apply is reported, never silently skipped), and the
 * checks still bite: a coaty node made to forget its persistent state is caught.
 */
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { adapterFactory } from '../harness/adapters/adapt.js';
import type { AdapterDefinition } from '../harness/adapters/adapter.js';
import { coatyAdapter } from '../harness/adapters/coaty/coaty-adapter.js';
import { declaredFeatures } from '../harness/adapters/features.js';
import { loadCoatyCore } from '../harness/adapters/coaty/load-core.js';
import { runCampaign } from '../harness/fuzz/campaign.js';
import { resolveImplementation } from '../harness/fuzz/implementations.js';
import { runSchedule } from '../harness/fuzz/run-schedule.js';
import { type Schedule, scheduleArbitrary } from '../harness/fuzz/schedule.js';
import type { NodeFactory } from '../harness/simulator/cluster.js';
import { validateTraceText } from '../harness/validate/validate-file.js';
import type { TraceLine } from '../src/trace/schema.js';
import { cli } from './helpers/cli.js';

const coaty = resolveImplementation('coaty') as NodeFactory;

describe('loading @coaty/consensus.raft', () => {
  it('loads its raft core without @coaty/core or sqlite3 (whose native addon is not built)', () => {
    const loaded = loadCoatyCore();
    expect('error' in loaded).toBe(false);
    const cached = Object.keys(createRequire(import.meta.url).cache);
    expect(cached.filter((f) => f.includes('/sqlite3/') || f.includes('/@coaty/core/'))).toEqual([]);
  });
});

describe('coaty under the harness', () => {
  const [schedule] = fc.sample(scheduleArbitrary('harsh', [5], 3000, ['prevote', 'checkquorum', 'heartbeat']), { seed: 8, numRuns: 1 });

  it('is deterministic without touching the global Math.random', () => {
    const original = Math.random;
    Math.random = () => {
      throw new Error('the global Math.random was called');
    };
    try {
      const a = runSchedule(schedule!, coaty, { keepLines: true });
      const b = runSchedule(schedule!, coaty, { keepLines: true });
      expect(a.error).toBeUndefined();
      expect(JSON.stringify(b.lines)).toBe(JSON.stringify(a.lines));
      // Elections did happen: the randomized timeouts were drawn.
      expect(a.lines.filter((l) => l.kind === 'role' && l.role === 'leader').length).toBeGreaterThan(0);
    } finally {
      Math.random = original;
    }
  });

  it('runs with its heartbeats, pre-vote and check-quorum declared, and passes every check, conformance included, with nothing unmodelled', () => {
    expect(declaredFeatures(coaty)).toEqual(['prevote', 'checkquorum', 'heartbeat']);
    expect(coaty.profile?.skipRules ?? []).toEqual([]);
    const r = runSchedule(schedule!, coaty, { keepLines: true });
    expect(r.error).toBeUndefined();
    expect(r.lines[0]).toMatchObject({ kind: 'header', minor: 4, features: ['prevote', 'checkquorum', 'heartbeat'] });
    const sent = new Set(r.lines.flatMap((l) => (l.kind === 'send' ? [l.msg.type] : [])));
    expect(sent).toEqual(new Set(['RequestVote', 'RequestVoteResponse', 'AppendEntries', 'AppendEntriesResponse', 'PreVote', 'PreVoteResponse', 'Heartbeat', 'HeartbeatResponse']));
    // Before issue 15: MsgHeartbeat, MsgHeartbeatResp, MsgPreVote and MsgPreVoteResp, by the thousand.
    expect(r.notModelled).toEqual({});
    expect(r.lines.some((l) => l.kind === 'role' && l.role === 'precandidate')).toBe(true);
    // The node logs its own lease and quorum timers (its tick clock); a new leader's empty entry is a noop.
    expect(r.lines.some((l) => l.kind === 'timeout' && l.timer === 'lease' && l.time > 0)).toBe(true);
    expect(r.lines.some((l) => l.kind === 'timeout' && l.timer === 'quorum')).toBe(true);
    expect(r.lines.some((l) => l.kind === 'append' && l.entries[0]!.command.type === 'noop')).toBe(true);
  });

  it('maps MsgHeartbeat to a Heartbeat (feature heartbeat) carrying coaty\'s min(match, committed), which the checker holds it to', () => {
    const r = runSchedule(schedule!, coaty, { keepLines: true });
    const beats = r.lines.flatMap((l) => (l.kind === 'send' && l.msg.type === 'Heartbeat' ? [l.msg] : []));
    expect(beats.length).toBeGreaterThan(100);
    expect(beats.some((m) => m.commit > 0)).toBe(true);
    // Some heartbeat carries less than its leader's commit index: a lagging peer's match.
    const lagging = r.lines.some((l) => l.kind === 'send' && l.msg.type === 'Heartbeat' && l.state?.commitIndex !== undefined && l.msg.commit < l.state.commitIndex);
    expect(lagging).toBe(true);
    // A heartbeat raised above min(match, commit) is conformance.message.
    const text = (lines: readonly TraceLine[]) => lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
    expect(validateTraceText('coaty.jsonl', text(r.lines)).valid).toBe(true);
    const raised = r.lines.find((l) => l.kind === 'send' && l.msg.type === 'Heartbeat' && l.state?.commitIndex !== undefined && l.msg.commit < l.state.commitIndex);
    if (raised?.kind !== 'send' || raised.msg.type !== 'Heartbeat') throw new Error('no lagging heartbeat');
    const commit = raised.state!.commitIndex!;
    const edited = r.lines.map((l) => ((l.kind === 'send' || l.kind === 'receive') && l.msg.id === raised.msg.id && l.msg.type === 'Heartbeat' ? { ...l, msg: { ...l.msg, commit } } : l));
    const report = validateTraceText('coaty-raised.jsonl', text(edited), { maxErrors: 100 });
    expect(report.errors[0]).toMatchObject({ rule: 'conformance.message' });
  });

  it('coaty:plain (no pre-vote, no check-quorum) passes with conformance on: its refusals of a vote in a term whose leader it knows are hidden step 9', async () => {
    const plain = resolveImplementation('coaty:plain') as NodeFactory;
    expect(declaredFeatures(plain)).toEqual(['heartbeat']);
    expect(plain.profile?.skipRules).toBeUndefined();
    // Seed 5 fails at run 3 with conformance.unexpected without hidden step 9 (etcd's canVote).
    const r = await cli('fuzz', '--impl', 'coaty:plain', '--runs', '8', '--seed', '5', '--faults', 'swarm');
    expect(r.stdout).toMatch(/^coaty:plain: no failure in 8 runs/);
    expect(r.stdout).not.toMatch(/not checked: conformance/);
    expect(r.code).toBe(0);
  });
});

describe('etcd behaviour the checker accepts (spec/CONFORMANCE.md, hidden steps)', () => {
  it('a follower that answers an AppendEntries below its commit index with matchIndex = commitIndex, skipping it (hidden step 7)', () => {
    // The 11th swarm schedule of seed 7: n3 answers a stale-prefix AppendEntries at its commit index (line 352).
    const s = fc.sample(scheduleArbitrary('swarm', [3, 5], 3000, ['prevote', 'checkquorum', 'heartbeat']), { seed: 7, numRuns: 11 })[10]!;
    const r = runSchedule(s, coaty, { keepLines: true });
    expect(r.error).toBeUndefined();
    const answer = r.lines[351]!;
    const request = r.lines[350]!;
    expect(request).toMatchObject({ kind: 'receive', node: 'n3', msg: { type: 'AppendEntries' } });
    expect(answer).toMatchObject({ kind: 'send', node: 'n3', msg: { type: 'AppendEntriesResponse', success: true, matchIndex: 1 } });
    if (request.kind !== 'receive' || request.msg.type !== 'AppendEntries') throw new Error('not an AppendEntries');
    expect(request.msg.prevLogIndex + request.msg.entries.length).not.toBe(1);
    expect(request.state?.commitIndex).toBe(1);
  });
});

describe('a one-node cluster under PreVote', () => {
  it('wins its election in one step, its pre-vote round included: the trace shows precandidate, candidate, leader', () => {
    // Shrunk from swarm seed 31: etcd's pre-candidate, its own majority, campaigns at once, all within one tick.
    const schedule: Schedule = { version: 1, nodes: 1, seed: 26217885, durationMs: 204, batch: 64, fates: [{ lose: false, duplicate: false, delay: 1 }], events: [], features: ['prevote', 'checkquorum'] };
    const r = runSchedule(schedule, coaty, { keepLines: true });
    expect(r.error).toBeUndefined();
    const roles = r.lines.flatMap((l) => (l.kind === 'role' ? [l.role] : []));
    expect(roles).toEqual(['precandidate', 'candidate', 'leader']);
  });
});

describe('findings on coaty (docs/COATY.md)', () => {
  // The first of 40 swarm schedules of seed 1 (3 and 5 nodes): found by `fuzz --impl coaty`.
  const [first] = fc.sample(scheduleArbitrary('swarm', [3, 5], 3000, ['prevote', 'checkquorum', 'heartbeat']), { seed: 1, numRuns: 1 });

  it('a pre-candidate counts a pre-vote granted in an earlier round (for its current term) toward this round', () => {
    const r = runSchedule(first!, coaty, { keepLines: true });
    expect(r.error?.rule).toBe('conformance.unexpected');
    expect(r.error?.message).toBe('n1 logged "role candidate" after the receive on line 219, which the reference does not do: it has no majority of pre-votes for term 2; the grant for term 1 it received (n3 on line 203) answers a PreVote of an earlier round and counts for nothing (thesis §9.6)');
    // The grant it counted: term 1, its own term, from a PreVote for term 1 it sent while in term 0.
    const stale = r.lines[202]!;
    expect(stale).toMatchObject({ kind: 'receive', node: 'n1', msg: { type: 'PreVoteResponse', term: 1, voteGranted: true }, state: { role: 'precandidate', term: 1 } });
  });
});

describe('a short campaign on coaty, conformance on', () => {
  // Eight swarm schedules of seed 5 (3 nodes, 2 s): coaty's candidates and pre-candidates
  // refused by a majority return to follower (etcd's VoteLost) in three of them; the checker
  // accepts that (hidden step 8), and nothing else in them differs from the reference.
  const schedules = fc.sample(scheduleArbitrary('swarm', [3], 2000, ['prevote', 'checkquorum', 'heartbeat']), { seed: 5, numRuns: 8 });

  it('passes every run, lost elections included', () => {
    let lost = 0;
    for (const schedule of schedules) {
      const r = runSchedule(schedule, coaty, { keepLines: true });
      expect(r.error).toBeUndefined();
      // A step-down in the same term right after a refusal: a lost election.
      const last = new Map<string, { role: string; term: number; refused: boolean }>();
      for (const l of r.lines) {
        if (!('node' in l) || l.node === undefined || !('state' in l) || !l.state) continue;
        const before = last.get(l.node);
        if (l.kind === 'role' && l.role === 'follower' && before && before.refused && before.role !== 'follower' && before.term === l.state.term) lost++;
        const refused = l.kind === 'receive' ? (l.msg.type === 'RequestVoteResponse' || l.msg.type === 'PreVoteResponse') && !l.msg.voteGranted : (before?.refused ?? false);
        last.set(l.node, { role: l.state.role ?? '', term: l.state.term ?? -1, refused });
      }
    }
    expect(lost).toBeGreaterThanOrEqual(3);
  });
});

/** coaty with one thing broken in what survives a crash: the checks must notice. */
function forgetful(what: 'vote' | 'log'): NodeFactory {
  const broken: AdapterDefinition = {
    ...coatyAdapter,
    // What survives a crash is the invariants' business; the known findings (conformance, prevote) would come first.
    profile: { ...coatyAdapter.profile, skipRules: ['conformance.unexpected', 'conformance.missing', 'conformance.state', 'conformance.message', 'prevote.majority', 'prevote.lease'].map((rule) => ({ rule, reason: 'this test is about persistence' })) },
    name: `coaty-forgets-${what}`,
    create(init) {
      const node = coatyAdapter.create(init);
      return Object.assign(Object.create(node) as typeof node, {
        crash: () => {
          const p = node.crash();
          return what === 'vote' ? { ...p, votedFor: null } : { ...p, log: [] };
        },
      });
    },
  };
  return adapterFactory(broken);
}

describe('the checks bite on coaty', () => {
  for (const [what, rules] of [['vote', ['vote-once', 'election-safety']], ['log', ['committed-durable', 'leader-completeness', 'state-machine-safety', 'log-matching', 'linearizability']]] as const) {
    it(`a coaty node that forgets its ${what} on restart is caught`, () => {
      // A small shrinking budget keeps the test fast: what it checks is the rule that caught it.
      const r = runCampaign({ impl: `coaty-forgets-${what}`, createNode: forgetful(what), runs: 150, seed: 1, nodes: [3], faults: 'harsh', durationMs: 3000, shrinkRuns: 60, features: ['prevote', 'checkquorum'] });
      expect(r.failure).not.toBeNull();
      expect(rules).toContain(r.failure!.outcome.error!.rule);
    });
  }
});
