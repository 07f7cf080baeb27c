/**
 * The direct interpreter (src/raft/interpreter.ts) and the XState actor run the same
 * statechart identically: the same step records, transitions, states and errors, for the
 * reference and for every mutant of the bug catalogue, over random fuzzing schedules and over
 * arbitrary inputs to a single node; and the checker gives the same verdicts with either
 * engine in its conformance shadows.
 */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assign, raise, setup } from 'xstate';
import { createRandom } from '../src/random.js';
import { describeStatechart } from '../src/raft/diagram.js';
import { assertInterpretable } from '../src/raft/interpreter.js';
import { ALL_FEATURES as FEATURES, type Feature } from '../src/raft/features/index.js';
import { machineFor, msg, raftNodeMachine, type Args } from '../src/raft/node-machine.js';
import { createReferenceNode, parseEngine, type ReferenceRaftNode } from '../src/raft/node.js';
import { DEFAULT_NODE_CONFIG, type Entry, type Message, type NodeInput, type Operation, type PersistentState } from '../src/raft/types.js';
import { runSchedule } from '../harness/fuzz/run-schedule.js';
import { scheduleArbitrary } from '../harness/fuzz/schedule.js';
import { MUTANTS } from '../harness/mutants/catalogue.js';
import type { NodeFactory } from '../harness/simulator/cluster.js';
import { validateTraceFile } from '../harness/validate/validate-file.js';
import { cli } from './helpers/cli.js';
import { newTwinLog, twinFactory, type TwinLog } from './helpers/engine-twin.js';

const REFERENCE: { name: string; createNode: NodeFactory; features?: readonly Feature[] } = { name: 'reference', createNode: createReferenceNode as NodeFactory };
/** The reference with every protocol extension on (the chart of src/raft/features). */
const WITH_FEATURES = { name: 'reference with prevote, checkquorum, transfer, snapshot, membership and heartbeat', createNode: createReferenceNode as NodeFactory, features: FEATURES };
const ALL_ROWS = describeStatechart().transitions.length;
/** Every transition of a chart, as the twin log names them. */
const rowsOf = (machine = raftNodeMachine) => {
  const seen = new Map<string, number>();
  return describeStatechart(machine).transitions.map((t) => {
    const group = `${t.from} ${t.event}`;
    const position = seen.get(group) ?? 0;
    seen.set(group, position + 1);
    return `${group} ${position}`;
  }).sort();
};
const ROWS = rowsOf();

function expectNoDifferences(log: TwinLog): void {
  expect(log.differences.slice(0, 3), `${log.differences.length} differences`).toEqual([]);
}

describe('interpreter and XState actor, side by side over fuzzing schedules', () => {
  it('the reference: 150 swarm schedules on 3 and 5 nodes', () => {
    const log = newTwinLog();
    const twin = twinFactory(REFERENCE.createNode, log);
    let failures = 0;
    fc.assert(
      fc.property(scheduleArbitrary('swarm', [3, 5], 2000), (schedule) => {
        if (!runSchedule(schedule, twin).ok) failures++;
      }),
      { numRuns: 150, seed: 42 },
    );
    expectNoDifferences(log);
    expect(failures).toBe(0);
    expect(log.calls).toBeGreaterThan(50_000);
    // A correct cluster never takes a few transitions (a leader sent a current-term
    // AppendEntries, say); the arbitrary inputs below take them all.
    // Nor does it lose an election by itself (ELECTION_LOST comes from the checker only).
    expect(log.taken.size).toBeGreaterThanOrEqual(ALL_ROWS - 4);
  });

  it('the reference with every feature: 70 swarm schedules on 3 and 5 nodes', () => {
    const log = newTwinLog();
    const twin = twinFactory(REFERENCE.createNode, log);
    let failures = 0;
    fc.assert(
      fc.property(scheduleArbitrary('swarm', [3, 5], 2000, FEATURES), (schedule) => {
        if (!runSchedule(schedule, twin).ok) failures++;
      }),
      { numRuns: 70, seed: 42 },
    );
    expectNoDifferences(log);
    expect(failures).toBe(0);
    expect(log.calls).toBeGreaterThan(30_000);
    expect([...log.taken].some((t) => t.startsWith('precandidate '))).toBe(true);
  });

  it('the reference with membership changes (which run alone): 40 swarm schedules on 3 and 5 nodes', () => {
    const log = newTwinLog();
    const twin = twinFactory(REFERENCE.createNode, log);
    let failures = 0;
    fc.assert(
      fc.property(scheduleArbitrary('swarm', [3, 5], 2000, ['membership']), (schedule) => {
        if (!runSchedule(schedule, twin).ok) failures++;
      }),
      { numRuns: 40, seed: 42 },
    );
    expectNoDifferences(log);
    expect(failures).toBe(0);
    expect([...log.taken].some((t) => t.startsWith('leader RECONFIGURE '))).toBe(true);
  });

  for (const m of MUTANTS) {
    // A snapshot mutant needs a follower far behind, or a restart after a snapshot: longer
    // schedules (3 s), more of them, from a seed whose schedules reach each (seed 8).
    const snapshot = m.features?.includes('snapshot') ?? false;
    const runs = snapshot ? 40 : 12;
    it(`mutant ${m.name}: ${runs} swarm schedules, same steps up to its first violation`, () => {
      const log = newTwinLog();
      const twin = twinFactory(m.createNode, log);
      const verdicts: string[] = [];
      fc.assert(
        fc.property(scheduleArbitrary('swarm', [3, 5], snapshot ? 3000 : 2000, m.features ?? []), (schedule) => {
          const twinRun = runSchedule(schedule, twin);
          verdicts.push(twinRun.ok ? 'ok' : `${twinRun.error!.rule}@${twinRun.error!.line}`);
        }),
        { numRuns: runs, seed: snapshot ? 8 : 7 },
      );
      expectNoDifferences(log);
      expect(log.calls).toBeGreaterThan(5 * runs);
      expect(verdicts.some((v) => v !== 'ok'), `${m.name} was never caught`).toBe(true);
    });
  }
});

// ---- Arbitrary inputs to one node: steps a cluster rarely produces (stale, conflicting, absurd).

const PEERS = ['n2', 'n3', 'n4', 'n5'];
const peer = fc.constantFrom(...PEERS);
const term = fc.integer({ min: 0, max: 4 });
const index = fc.integer({ min: 0, max: 6 });
const op: fc.Arbitrary<Operation> = fc.oneof(
  fc.integer({ min: 1, max: 3 }).map((value): Operation => ({ type: 'set', value })),
  fc.constant<Operation>({ type: 'get' }),
  fc.record({ expected: fc.option(fc.integer({ min: 1, max: 3 }), { nil: null }), value: fc.integer({ min: 1, max: 3 }) }).map((r): Operation => ({ type: 'cas', ...r })),
);
const entry: fc.Arbitrary<Entry> = fc.record({ term, value: fc.integer({ min: 1, max: 3 }), requestId: fc.integer({ min: 1, max: 3 }) })
  .map(({ term: t, value, requestId }) => ({ term: t, command: { type: 'set', value, client: 'c', requestId } }));
const receive = (m: fc.Arbitrary<Message>) => m.map((message): NodeInput => ({ type: 'receive', msg: message }));

const input: fc.Arbitrary<NodeInput> = fc.oneof(
  { arbitrary: fc.constantFrom<NodeInput>({ type: 'timeout', timer: 'election' }, { type: 'timeout', timer: 'heartbeat' }), weight: 2 },
  { arbitrary: fc.record({ requestId: fc.integer({ min: 1, max: 3 }), op }).map(({ requestId, op: o }): NodeInput => ({ type: 'client_request', client: 'c', requestId, op: o })), weight: 2 },
  // The candidate is usually the sender; sometimes the node itself (how a candidate or leader gets to grant a vote).
  receive(fc.record({ from: peer, term: fc.integer({ min: 0, max: 8 }), lastLogIndex: index, lastLogTerm: term, self: fc.integer({ min: 0, max: 4 }) })
    .map(({ self, ...r }): Message => ({ id: 'm', type: 'RequestVote', to: 'n1', candidateId: self === 0 ? 'n1' : r.from, ...r }))),
  { arbitrary: receive(fc.record({ from: peer, term, voteGranted: fc.boolean() }).map((r): Message => ({ id: 'm', type: 'RequestVoteResponse', to: 'n1', ...r }))), weight: 3 },
  { arbitrary: receive(fc.record({ from: peer, term, prevLogIndex: index, prevLogTerm: term, entries: fc.array(entry, { maxLength: 3 }), leaderCommit: fc.integer({ min: 0, max: 8 }) })
    .map((r): Message => ({ id: 'm', type: 'AppendEntries', to: 'n1', leaderId: r.from, ...r }))), weight: 3 },
  { arbitrary: receive(fc.record({ from: peer, term, success: fc.boolean(), matchIndex: index, conflictIndex: fc.option(index, { nil: undefined }), conflictTerm: fc.option(term, { nil: undefined }) })
    .map(({ conflictIndex, conflictTerm, ...r }): Message => ({ id: 'm', type: 'AppendEntriesResponse', to: 'n1', ...r, ...(conflictIndex !== undefined ? { conflictIndex } : {}), ...(conflictTerm !== undefined ? { conflictTerm } : {}) }))), weight: 3 },
);
/**
 * The chart with features needs a leader more often than random responses elect one (a
 * pre-vote round, then a vote, each answered in the right term): `win` answers the node's
 * current round with grants from every peer, in its current term.
 */
type TestInput = NodeInput | { type: 'win' } | { type: 'concede' };
const featureInput: fc.Arbitrary<TestInput> = fc.oneof(
  { arbitrary: input, weight: 8 },
  { arbitrary: fc.constant<TestInput>({ type: 'win' }), weight: 1 },
  // The features' inputs (a chart without them has no transition for these: nothing happens).
  fc.constantFrom<NodeInput>({ type: 'timeout', timer: 'lease' }, { type: 'timeout', timer: 'quorum' }, { type: 'timeout', timer: 'transfer' }),
  fc.constantFrom('n1', ...PEERS).map((target): NodeInput => ({ type: 'transfer', target })),
  receive(fc.record({ from: peer, term: fc.integer({ min: 0, max: 8 }), lastLogIndex: index, lastLogTerm: term })
    .map((r): Message => ({ id: 'm', type: 'PreVote', to: 'n1', candidateId: r.from, ...r }))),
  receive(fc.record({ from: peer, term: fc.integer({ min: 0, max: 6 }), voteGranted: fc.boolean() }).map((r): Message => ({ id: 'm', type: 'PreVoteResponse', to: 'n1', ...r }))),
  receive(fc.record({ from: peer, term }).map((r): Message => ({ id: 'm', type: 'TimeoutNow', to: 'n1', ...r }))),
  receive(fc.record({ from: peer, term, commit: fc.integer({ min: 0, max: 8 }), answer: fc.boolean() })
    .map(({ answer, ...r }): Message => (answer ? { id: 'm', type: 'HeartbeatResponse', to: 'n1', from: r.from, term: r.term } : { id: 'm', type: 'Heartbeat', to: 'n1', ...r }))),
  // Feature snapshot: the checker's snapshot input, and InstallSnapshot and its response.
  { arbitrary: fc.record({ index: fc.integer({ min: 1, max: 3 }), value: fc.integer({ min: 1, max: 3 }) }).map((r): NodeInput => ({ type: 'snapshot', ...r })), weight: 3 },
  receive(fc.record({ from: peer, term: fc.integer({ min: 0, max: 8 }), lastIncludedIndex: fc.integer({ min: 1, max: 8 }), lastIncludedTerm: term, value: fc.integer({ min: 1, max: 3 }) })
    .map((r): Message => ({ id: 'm', type: 'InstallSnapshot', to: 'n1', leaderId: r.from, ...r }))),
  receive(fc.record({ from: peer, term, matchIndex: fc.option(index, { nil: undefined }) })
    .map(({ matchIndex, ...r }): Message => ({ id: 'm', type: 'InstallSnapshotResponse', to: 'n1', ...r, ...(matchIndex !== undefined ? { matchIndex } : {}) }))),
  receive(fc.record({ from: peer, term: fc.integer({ min: 0, max: 8 }), lastLogIndex: index, lastLogTerm: term, self: fc.integer({ min: 0, max: 4 }) })
    .map(({ self, ...r }): Message => ({ id: 'm', type: 'RequestVote', to: 'n1', candidateId: self === 0 ? 'n1' : r.from, leadershipTransfer: true, ...r }))),
  // Feature membership: configuration changes asked of the node, and configuration entries sent to it (n1 a voter or not).
  fc.record({ change: fc.constantFrom('add' as const, 'promote' as const, 'remove' as const), server: fc.constantFrom('n1', ...PEERS) }).map((r): NodeInput => ({ type: 'reconfigure', ...r })),
  receive(fc.record({ from: peer, term, prevLogIndex: index, prevLogTerm: term, voters: fc.subarray(['n1', ...PEERS], { minLength: 1 }), learners: fc.subarray(PEERS), leaderCommit: fc.integer({ min: 0, max: 8 }) })
    .map(({ voters, learners, ...r }): Message => ({ id: 'm', type: 'AppendEntries', to: 'n1', leaderId: r.from, ...r, entries: [{ term: r.term, command: { type: 'config', voters, learners: learners.filter((l) => !voters.includes(l)) } }] }))),
);

/** A refusal of the node's current round from a peer: a vote's, or with PreVote on, a pre-vote's (its current term). */
const refusal = (from: string, t: number, pre: boolean): TestInput => ({ type: 'receive', msg: { id: 'l', type: pre ? 'PreVoteResponse' : 'RequestVoteResponse', from, to: 'n1', term: t, voteGranted: false } });
const timeout: TestInput = { type: 'timeout', timer: 'election' };
const concede: TestInput = { type: 'concede' };

/**
 * Input sequences that lose an election (3 members), with the checker's `concede` too early
 * (one refusal: nothing happens) and then in time: a candidate's in term 1, and with PreVote a
 * pre-candidate's round in term 0, then a candidate's after a won round (term 1).
 */
function lostElections(features: readonly Feature[]): TestInput[][] {
  if (!features.includes('prevote')) return [[timeout, refusal('n2', 1, false), concede, refusal('n3', 1, false), concede]];
  return [
    [timeout, refusal('n2', 0, true), concede, refusal('n3', 0, true), concede],
    [timeout, { type: 'win' }, refusal('n2', 1, false), concede, refusal('n3', 1, false), concede],
  ];
}

/** n1 is elected (a pre-vote round, then a vote), commits a write, removes itself, and steps down once both other voters hold the removal. */
function removedLeader(): TestInput[] {
  const ack = (from: string, matchIndex: number): TestInput => ({ type: 'receive', msg: { id: 'a', type: 'AppendEntriesResponse', from, to: 'n1', term: 1, success: true, matchIndex } });
  return [timeout, { type: 'win' }, { type: 'win' }, { type: 'client_request', client: 'c', requestId: 1, op: { type: 'set', value: 1 } }, ack('n2', 1), { type: 'reconfigure', change: 'remove', server: 'n1' }, ack('n2', 2), ack('n3', 2)];
}

function winInputs(node: { view(): { term: number; role: string } }, members: readonly string[]): NodeInput[] {
  const { term: t, role } = node.view();
  const peers = members.filter((m) => m !== 'n1');
  if (role === 'precandidate') return peers.map((from): NodeInput => ({ type: 'receive', msg: { id: 'w', type: 'PreVoteResponse', from, to: 'n1', term: t + 1, voteGranted: true } }));
  if (role === 'candidate') return peers.map((from): NodeInput => ({ type: 'receive', msg: { id: 'w', type: 'RequestVoteResponse', from, to: 'n1', term: t, voteGranted: true } }));
  return [];
}

const persisted: fc.Arbitrary<PersistentState | undefined> = fc.option(
  fc.record({ term, votedFor: fc.option(fc.constantFrom('n1', ...PEERS), { nil: null }), log: fc.array(entry, { maxLength: 5 }) })
    .map((p) => ({ ...p, log: [...p.log].sort((a, b) => a.term - b.term) })),
  { nil: undefined },
);

function driveOne(factory: NodeFactory, log: TwinLog, members: readonly string[], start: PersistentState | undefined, inputs: readonly TestInput[], features: readonly Feature[] = []): void {
  const node = twinFactory(factory, log)({ ...DEFAULT_NODE_CONFIG, id: 'n1', members, features }, { random: createRandom(3), ...(start ? { persisted: start } : {}) });
  node.start();
  for (const i of inputs) {
    try {
      if (i.type === 'concede') (node as unknown as Pick<ReferenceRaftNode, 'concedeElection'>).concedeElection();
      else for (const one of i.type === 'win' ? winInputs(node, members) : [i]) node.step(one);
    } catch {
      return; // both engines threw the same error (compared), and a failed node is not used again
    }
  }
}

describe('interpreter and XState actor, side by side over arbitrary inputs to one node', () => {
  for (const m of [REFERENCE, WITH_FEATURES, ...MUTANTS]) {
    // The chart with every feature has more transitions, some only reached from a leader: more sequences.
    // A mutant is the reference's chart with one guard or action replaced: fewer sequences than the charts themselves.
    const runs = m === WITH_FEATURES ? 3000 : m === REFERENCE ? 300 : 120;
    it(`${m.name}: ${runs} input sequences on 1, 3 and 5 members`, () => {
      const log = newTwinLog();
      fc.assert(
        fc.property(fc.constantFrom(1, 3, 5), persisted, fc.array((m.features?.length ?? 0) > 0 ? featureInput : input, { maxLength: 60, size: 'max' }), (n, start, inputs) => {
          driveOne(m.createNode, log, ['n1', ...PEERS].slice(0, n), start, inputs, m.features ?? []);
        }),
        { numRuns: runs, seed: 11 },
      );
      expectNoDifferences(log);
      expect(log.calls).toBeGreaterThan(runs * 10);
      // Every transition of the chart was compared at least once (hence every guard and action).
      // Lost elections, which random answers rarely make: scripted (ELECTION_LOST comes from the checker).
      for (const inputs of lostElections(m.features ?? [])) driveOne(m.createNode, log, ['n1', 'n2', 'n3'], undefined, inputs, m.features ?? []);
      // A leader sent a Heartbeat of a higher term (a new leader's), which random terms rarely make: scripted (pre-vote, vote, Heartbeat).
      if (m === WITH_FEATURES) driveOne(m.createNode, log, ['n1', 'n2', 'n3'], undefined, [{ type: 'timeout', timer: 'election' }, { type: 'win' }, { type: 'win' }, { type: 'receive', msg: { id: 'h', type: 'Heartbeat', from: 'n2', to: 'n1', term: 7, commit: 0 } }], m.features ?? []);
      // Feature membership: a leader that removes itself steps down once the removal commits, which random acknowledgements rarely make: scripted.
      if (m === WITH_FEATURES) driveOne(m.createNode, log, ['n1', 'n2', 'n3'], undefined, removedLeader(), m.features ?? []);
      if (m === REFERENCE) expect([...log.taken].sort()).toEqual(ROWS);
      if (m === WITH_FEATURES) expect(rowsOf(machineFor(FEATURES)).filter((r) => !log.taken.has(r))).toEqual([]);
    });
  }
});

describe('errors', () => {
  const throwing = (what: 'guard' | 'action' | 'eventless guard') => {
    const boom = (a: Args) => {
      if (msg(a).term === 9) throw new Error('boom');
      return false;
    };
    if (what === 'guard') return raftNodeMachine.provide({ guards: { isStaleTerm: boom } });
    if (what === 'action') return raftNodeMachine.provide({ actions: { rejectVote: (a: Args) => void boom(a) } });
    return raftNodeMachine.provide({ guards: { hasVoteMajority: ({ context }: Args) => { if (context.votes.size > 1) throw new Error('eventless boom'); return false; } } });
  };
  const run = (machine: ReturnType<typeof throwing>, inputs: NodeInput[]) => {
    const log = newTwinLog();
    const factory: NodeFactory = (config, options) => createReferenceNode(config, { ...options, machine });
    driveOne(factory, log, ['n1', 'n2', 'n3'], { term: 9, votedFor: null, log: [] }, inputs);
    return log;
  };
  const ae: NodeInput = { type: 'receive', msg: { id: 'a', type: 'AppendEntries', from: 'n2', to: 'n1', term: 9, leaderId: 'n2', prevLogIndex: 0, prevLogTerm: 0, entries: [], leaderCommit: 0 } };
  const rv: NodeInput = { type: 'receive', msg: { id: 'v', type: 'RequestVote', from: 'n2', to: 'n1', term: 9, candidateId: 'n3', lastLogIndex: 0, lastLogTerm: 0 } };
  const ownVote: NodeInput = { type: 'receive', msg: { id: 'v', type: 'RequestVote', from: 'n2', to: 'n1', term: 9, candidateId: 'n2', lastLogIndex: 0, lastLogTerm: 0 } };
  const vote: NodeInput = { type: 'receive', msg: { id: 'r', type: 'RequestVoteResponse', from: 'n2', to: 'n1', term: 10, voteGranted: true } };

  it('a guard, an action or an eventless guard that throws: the same error from both, and again on the next step', () => {
    for (const [what, inputs] of [['guard', [ae, ae]], ['action', [ownVote, rv, rv]], ['eventless guard', [{ type: 'timeout', timer: 'election' }, vote, vote]]] as const) {
      const log = run(throwing(what), [...inputs]);
      expectNoDifferences(log);
    }
  });

  it('the reference node rethrows the error in XState\'s words (a guard) or as thrown (an action)', () => {
    for (const engine of ['actor', 'interpreter'] as const) {
      const node = createReferenceNode({ ...DEFAULT_NODE_CONFIG, id: 'n1', members: ['n1', 'n2'] }, { random: createRandom(1), engine, machine: throwing('guard'), persisted: { term: 9, votedFor: null, log: [] } });
      node.start();
      expect(() => node.step(ae)).toThrow(/^Unable to evaluate guard 'isStaleTerm' in transition for event 'AppendEntries' in state node 'raft.follower':\nboom$/);
      expect(() => node.step({ type: 'timeout', timer: 'election' })).toThrow(/boom/);
    }
  });
});

describe('the interpreter refuses what it does not replicate', () => {
  const base = setup({
    types: { context: {} as { n: number }, events: {} as { type: 'GO' } },
    guards: { yes: () => true },
    actions: { act: () => undefined, again: raise({ type: 'GO' }), later: raise({ type: 'GO' }, { delay: 10 }), count: assign({ n: 1 }) },
  });
  // Deliberately odd charts: typed loosely, they only need to build.
  const chart = (config: object) => base.createMachine({ context: { n: 0 }, ...config } as Parameters<typeof base.createMachine>[0]);
  const cases: Array<[string, ReturnType<typeof base.createMachine>, RegExp]> = [
    ['nested states', chart({ initial: 'a', states: { a: { initial: 'x', states: { x: {} } } } }), /compound state/],
    ['parallel root', chart({ type: 'parallel', states: { a: {}, b: {} } }), /parallel root/],
    ['root transitions', chart({ initial: 'a', on: { GO: '.a' }, states: { a: {} } }), /root state/],
    ['an inline guard', chart({ initial: 'a', states: { a: { on: { GO: { guard: () => true } } } } }), /inline or parameterized guard/],
    ['a parameterized action', chart({ initial: 'a', states: { a: { on: { GO: { actions: { type: 'act', params: {} } } } } } }), /inline or parameterized action act/],
    ['an unimplemented action', chart({ initial: 'a', states: { a: { on: { GO: { actions: 'missing' } } } } }), /'missing' without an implementation/],
    ['assign', chart({ initial: 'a', states: { a: { on: { GO: { actions: 'count' } } } } }), /built-in action 'count' \(xstate.assign\)/],
    ['a delayed raise', chart({ initial: 'a', states: { a: { on: { GO: { actions: 'later' } } } } }), /'later' \(xstate.raise, delayed\)/],
    ['a wildcard event', chart({ initial: 'a', states: { a: { on: { '*': { actions: 'act' } } } } }), /event descriptor '\*'/],
    ['eventless transitions of the initial state', chart({ initial: 'a', states: { a: { always: { guard: 'yes', target: 'b' } }, b: {} } }), /entering the initial state '\(machine\)\.a'/],
    ['a raise on entering the initial state', chart({ initial: 'a', states: { a: { entry: 'again' } } }), /entering the initial state/],
    ['invoke', chart({ initial: 'a', states: { a: { invoke: { src: 'x' } } } }), /invoke/],
  ];
  for (const [what, machine, message] of cases) {
    it(what, () => expect(() => assertInterpretable(machine)).toThrow(message));
  }

  it('accepts the reference and its variants, whose chart (and diagram) is the reference\'s', () => {
    const variant = raftNodeMachine.provide({ guards: { canGrantVote: () => false } });
    expect(() => assertInterpretable(raftNodeMachine)).not.toThrow();
    expect(() => assertInterpretable(variant)).not.toThrow();
    expect(describeStatechart(variant)).toEqual(describeStatechart());
  });
});

describe('the checker with either engine in its conformance shadows', () => {
  const dirs = ['traces/examples/valid', ...fs.readdirSync('traces/examples/invalid').map((d) => path.join('traces/examples/invalid', d)), 'traces/regressions'];
  const files = dirs.flatMap((d) => fs.readdirSync(d).filter((f) => f.endsWith('.jsonl')).sort().map((f) => path.join(d, f)));

  it(`gives the same report and the same transitions on all ${files.length} example and regression traces`, () => {
    expect(files.length).toBeGreaterThan(50);
    for (const file of files) {
      const reports = (['actor', 'interpreter'] as const).map((engine) => {
        const transitions: string[] = [];
        const report = validateTraceFile(file, { engine, onTransition: (node, line, t) => void transitions.push(`${line} ${node} ${t.from} ${t.event} ${t.position} ${t.to}`) });
        return { report, transitions };
      });
      expect(reports[1], file).toEqual(reports[0]);
    }
  });

  it('RAFTCHECK_ENGINE names the default engine; the CLI refuses an unknown one', async () => {
    expect(parseEngine(undefined)).toBe('interpreter');
    expect(parseEngine('actor')).toBe('actor');
    expect(parseEngine('interpreter')).toBe('interpreter');
    expect(parseEngine('xstate')).toBeNull();
    const saved = process.env.RAFTCHECK_ENGINE;
    process.env.RAFTCHECK_ENGINE = 'xstate';
    try {
      const r = await cli('validate', 'traces/examples/valid/election-and-writes-3.jsonl');
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/RAFTCHECK_ENGINE must be 'actor' or 'interpreter' .*got 'xstate'/);
    } finally {
      if (saved === undefined) delete process.env.RAFTCHECK_ENGINE;
      else process.env.RAFTCHECK_ENGINE = saved;
    }
  });
});
