import { describe, expect, it } from 'vitest';
import { createRandom } from '../src/random.js';
import { createReferenceNode, type ReferenceRaftNode } from '../src/raft/node.js';
import { DEFAULT_NODE_CONFIG, type Message, type NodeInput, type StepRecord } from '../src/raft/types.js';

/** Effects as compared: a timer's drawn delay depends on the generator, not on the state. */
const effects = (records: StepRecord[]) => records.map((r) => (r.effect.kind === 'set_timer' ? { kind: 'set_timer', timer: r.effect.timer } : r.effect));

// `raftcheck explore` resumes nodes from snapshots (src/raft/snapshot.ts): a node resumed from
// a snapshot must continue exactly as the node it was taken from, in every state it reaches.
describe('reference node snapshots', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`a resumed node steps as the original on a random run of 3 nodes (seed ${seed})`, () => {
      const random = createRandom(seed);
      const ids = ['n1', 'n2', 'n3'];
      const config = (id: string) => ({ ...DEFAULT_NODE_CONFIG, maxEntriesPerMessage: 1, id, members: ids });
      const nodes = new Map<string, ReferenceRaftNode>(ids.map((id) => [id, createReferenceNode(config(id), { random: random.fork(id) })]));
      const flight: Message[] = [];
      let msgId = 0;
      const collect = (records: StepRecord[]) => {
        for (const r of records) if (r.effect.kind === 'send') flight.push({ id: `m${++msgId}`, ...r.effect.msg } as Message);
      };
      for (const node of nodes.values()) collect(node.start());
      let compared = 0;
      const roles = new Set<string>();
      for (let step = 0; step < 400; step++) {
        const id = random.pick(ids);
        const node = nodes.get(id)!;
        let input: NodeInput;
        const roll = random.next();
        const mine = flight.filter((m) => m.to === id);
        if (roll < 0.6 && mine.length > 0) {
          const msg = random.pick(mine);
          flight.splice(flight.indexOf(msg), 1);
          input = { type: 'receive', msg };
        } else if (roll < 0.8) input = { type: 'timeout', timer: node.live.role === 'leader' ? 'heartbeat' : 'election' };
        else input = { type: 'client_request', client: 'c1', requestId: step, op: random.chance(0.5) ? { type: 'set', value: step } : { type: 'get' } };
        const snapshot = node.snapshot();
        const copy = createReferenceNode(config(id), { random: createRandom(0), resume: snapshot });
        expect(copy.start()).toEqual([]);
        expect(copy.snapshot()).toEqual(snapshot);
        const a = node.step(input);
        const b = copy.step(input);
        expect(effects(b)).toEqual(effects(a));
        expect(copy.snapshot()).toEqual(node.snapshot());
        expect(copy.view()).toEqual(node.view());
        collect(a);
        roles.add(node.live.role);
        compared++;
        if (flight.length > 30) flight.splice(0, flight.length - 30); // the network loses old messages
      }
      expect(compared).toBe(400);
      expect([...roles].sort()).toEqual(['candidate', 'follower', 'leader']);
    });
  }

  it('refuses a snapshot of a state the statechart does not have', () => {
    const node = createReferenceNode({ ...DEFAULT_NODE_CONFIG, id: 'n1', members: ['n1'] }, { random: createRandom(0) });
    node.start();
    const bad = { ...node.snapshot(), state: 'observer' };
    expect(() => createReferenceNode({ ...DEFAULT_NODE_CONFIG, id: 'n1', members: ['n1'] }, { random: createRandom(0), resume: bad }).start()).toThrow(/no state 'observer'/);
  });
});
