/**
 * Feature `membership` with the other features (spec/TRACE_FORMAT.md, "With the other
 * features"): PreVote's and CheckQuorum's quorums are of the configuration's voters, a
 * transfer's target is one of them, heartbeats reach learners. Each composition, step by step
 * on one reference node, then fuzzed.
 */
import { describe, expect, it } from 'vitest';
import { createRandom } from '../src/random.js';
import type { Feature } from '../src/raft/features/index.js';
import { createReferenceNode } from '../src/raft/node.js';
import { DEFAULT_NODE_CONFIG, type NodeConfig, type StepRecord } from '../src/raft/types.js';
import { runCampaign } from '../harness/fuzz/campaign.js';

/** n1 of members n1..n4, in the configuration voters `voters`, learners `learners`. */
function node(features: Feature[], voters: string[], learners: string[] = [], id = 'n1') {
  const config: NodeConfig = { ...DEFAULT_NODE_CONFIG, id, members: ['n1', 'n2', 'n3', 'n4'], features: [...features, 'membership'], configuration: { voters, learners } };
  const n = createReferenceNode(config, { random: createRandom(1) });
  n.start();
  return n;
}
const sent = (records: StepRecord[], type: string) => records.flatMap((r) => (r.effect.kind === 'send' && r.effect.msg.type === type ? [r.effect.msg.to] : []));
const preVote = (from: string, granted = true) => ({ type: 'receive' as const, msg: { id: `pv-${from}`, type: 'PreVoteResponse' as const, from, to: 'n1', term: 1, voteGranted: granted } });
const vote = (from: string) => ({ type: 'receive' as const, msg: { id: `v-${from}`, type: 'RequestVoteResponse' as const, from, to: 'n1', term: 1, voteGranted: true } });
const ack = (from: string, matchIndex = 0) => ({ type: 'receive' as const, msg: { id: `a-${from}-${matchIndex}`, type: 'AppendEntriesResponse' as const, from, to: 'n1', term: 1, success: true, matchIndex } });

describe('prevote with membership', () => {
  it('a pre-candidate asks the voters only, and a learner\'s grant does not count', () => {
    const n = node(['prevote'], ['n1', 'n2', 'n3'], ['n4']);
    const round = n.step({ type: 'timeout', timer: 'election' });
    expect(sent(round, 'PreVote')).toEqual(['n2', 'n3']);
    n.step(preVote('n4'));
    expect(n.live.role).toBe('precandidate'); // n1 and the learner n4: no majority of {n1,n2,n3}
    n.step(preVote('n3'));
    expect(n.live.role).toBe('candidate');
  });

  it('a server removed by an uncommitted change may pre-campaign, but its own pre-vote does not count', () => {
    // n1's log: entry 1 removes n1 from {n1,n2,n3}; not committed.
    const n = node(['prevote'], ['n1', 'n2', 'n3']);
    n.step({ type: 'receive', msg: { id: 'ae', type: 'AppendEntries', from: 'n2', to: 'n1', term: 0, leaderId: 'n2', prevLogIndex: 0, prevLogTerm: 0, entries: [{ term: 0, command: { type: 'config', voters: ['n2', 'n3'], learners: [] } }], leaderCommit: 0 } });
    expect(n.live.role).toBe('follower');
    expect(sent(n.step({ type: 'timeout', timer: 'election' }), 'PreVote')).toEqual(['n2', 'n3']);
    n.step(preVote('n2'));
    expect(n.live.role).toBe('precandidate'); // one of {n2,n3}: its own would have made two
    n.step(preVote('n3'));
    expect(n.live.role).toBe('candidate');
  });

  it('a learner or a non-member does not pre-campaign', () => {
    expect(node(['prevote'], ['n2', 'n3', 'n4'], ['n1']).step({ type: 'timeout', timer: 'election' })).toEqual([]);
    expect(node(['prevote'], ['n2', 'n3', 'n4']).step({ type: 'timeout', timer: 'election' })).toEqual([]);
  });
});

/** n1, leader of term 1 elected by n2's vote, with learner n4 (and prevote off). */
function leaderWithLearner(features: Feature[]) {
  const n = node(features, ['n1', 'n2', 'n3'], ['n4']);
  n.step({ type: 'timeout', timer: 'election' });
  n.step(vote('n2'));
  expect(n.live.role).toBe('leader');
  return n;
}

describe('checkquorum with membership', () => {
  it("a learner's answers are no quorum: the leader steps down; a voter's are", () => {
    const alone = leaderWithLearner(['checkquorum']);
    alone.step(ack('n4'));
    alone.step({ type: 'timeout', timer: 'quorum' });
    expect(alone.live.role).toBe('follower');
    const heard = leaderWithLearner(['checkquorum']);
    heard.step(ack('n3'));
    heard.step({ type: 'timeout', timer: 'quorum' });
    expect(heard.live.role).toBe('leader');
  });
});

describe('transfer with membership', () => {
  it('to a learner, a non-member or itself is ignored; to a voter it starts', () => {
    const n = leaderWithLearner(['transfer']);
    expect(n.step({ type: 'transfer', target: 'n4' })).toEqual([]);
    expect(n.step({ type: 'transfer', target: 'n1' })).toEqual([]);
    expect(n.step({ type: 'transfer', target: 'n3' }).map((r) => r.effect.kind)).toContain('set_timer');
  });

  it('a leader mid-transfer ignores a configuration change, and takes one again once the transfer is over', () => {
    const n = leaderWithLearner(['transfer']);
    n.step({ type: 'client_request', client: 'c', requestId: 1, op: { type: 'set', value: 1 } });
    n.step(ack('n2', 1));
    expect(n.live.commitIndex).toBe(1);
    n.step({ type: 'transfer', target: 'n3' });
    expect(n.step({ type: 'reconfigure', change: 'remove', server: 'n3' })).toEqual([]);
    n.step({ type: 'timeout', timer: 'transfer' });
    expect(n.step({ type: 'reconfigure', change: 'remove', server: 'n3' }).map((r) => r.effect.kind)).toContain('config');
  });

  it('a learner ignores a TimeoutNow; a voter stands', () => {
    const timeoutNow = (to: string) => ({ type: 'receive' as const, msg: { id: `t-${to}`, type: 'TimeoutNow' as const, from: 'n2', to, term: 0 } });
    expect(node(['transfer'], ['n2', 'n3', 'n4'], ['n1']).step(timeoutNow('n1')).map((r) => r.effect.kind)).not.toContain('term');
    expect(node(['transfer'], ['n1', 'n2', 'n3'], ['n4']).step(timeoutNow('n1')).map((r) => r.effect.kind)).toContain('term');
  });
});

describe('heartbeat with membership', () => {
  it('a leader\'s heartbeat reaches its learners too', () => {
    const n = leaderWithLearner(['heartbeat']);
    expect(sent(n.step({ type: 'timeout', timer: 'heartbeat' }), 'Heartbeat').sort()).toEqual(['n2', 'n3', 'n4']);
  });
});

describe('the reference with membership and the other features, fuzzed', () => {
  const sets: Feature[][] = [['prevote', 'membership'], ['checkquorum', 'membership'], ['transfer', 'membership'], ['prevote', 'checkquorum', 'transfer', 'heartbeat', 'membership']];
  for (const features of sets) {
    it(`${features.join(' + ')}: 40 swarm schedules on 3 and 5 nodes pass every check, liveness included`, () => {
      const r = runCampaign({ impl: 'reference', createNode: createReferenceNode, runs: 40, seed: 16, nodes: [3, 5], faults: 'swarm', durationMs: 3000, features, shrink: false });
      expect(r.failure?.outcome.error ?? null).toBeNull();
      expect(r.runs).toBe(40);
    });
  }
  // The liveness probe followed stale hints in a cycle (a removed server hints its removed old
  // leader, which hints nobody) and never asked the one voter left, the leader: a false alarm.
  it.each([
    [['snapshot', 'membership', 'heartbeat'] as Feature[], 7],
    [['transfer', 'membership'] as Feature[], 172],
  ])('%j at seed 9100: the client that checks liveness finds a leader that no hint names (%i runs)', (features, runs) => {
    const r = runCampaign({ impl: 'reference', createNode: createReferenceNode, runs, seed: 9100, nodes: [3, 5], faults: 'swarm', durationMs: 3000, features, shrink: false });
    expect(r.failure?.outcome.error ?? null).toBeNull();
  });
});
