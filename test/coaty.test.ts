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
import { loadCoatyCore } from '../harness/adapters/coaty/load-core.js';
import { runCampaign } from '../harness/fuzz/campaign.js';
import { resolveImplementation } from '../harness/fuzz/implementations.js';
import { runSchedule } from '../harness/fuzz/run-schedule.js';
import { scheduleArbitrary } from '../harness/fuzz/schedule.js';
import type { NodeFactory } from '../harness/simulator/cluster.js';
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
  const [schedule] = fc.sample(scheduleArbitrary('harsh', [5]), { seed: 8, numRuns: 1 });

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

  it('maps Figure 2 messages to the trace and counts what is not modelled', () => {
    const r = runSchedule(schedule!, coaty, { keepLines: true });
    const sent = new Set(r.lines.flatMap((l) => (l.kind === 'send' ? [l.msg.type] : [])));
    expect(sent).toEqual(new Set(['RequestVote', 'RequestVoteResponse', 'AppendEntries', 'AppendEntriesResponse']));
    expect(r.notModelled.MsgHeartbeat).toBeGreaterThan(0);
    expect(r.notModelled.MsgPreVote).toBeGreaterThan(0);
    // A new etcd leader appends an empty entry: a noop in the trace.
    expect(r.lines.some((l) => l.kind === 'append' && l.entries[0]!.command.type === 'noop')).toBe(true);
  });

  it('passes a fuzz campaign: raftcheck fuzz --impl coaty, with the rules not checked named', async () => {
    const r = await cli('fuzz', '--impl', 'coaty', '--runs', '40', '--seed', '3', '--faults', 'swarm');
    expect(r.stdout).toMatch(/^coaty: no failure in 40 runs/);
    expect(r.stdout).toMatch(/not checked: conformance\.unexpected, conformance\.missing, conformance\.state, conformance\.message \(etcd-style Raft differs from Figure 2 by design/);
    expect(r.stdout).toMatch(/not modelled \(carried, logged as notes, not checked\): MsgHeartbeat(Resp)? ×\d+/);
    expect(r.code).toBe(0);
  });
});

/** coaty with one thing broken in what survives a crash: the checks must notice. */
function forgetful(what: 'vote' | 'log'): NodeFactory {
  const broken: AdapterDefinition = {
    ...coatyAdapter,
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
      const r = runCampaign({ impl: `coaty-forgets-${what}`, createNode: forgetful(what), runs: 150, seed: 1, nodes: [3], faults: 'harsh', durationMs: 3000, shrinkRuns: 60 });
      expect(r.failure).not.toBeNull();
      expect(rules).toContain(r.failure!.outcome.error!.rule);
    });
  }
});
