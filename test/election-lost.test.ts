/**
 * The reference's lost election (src/raft/rules/election-lost.ts, spec/CONFORMANCE.md hidden
 * step 8) and the first-answer rule of a pre-vote round: what the checker's shadows do when a
 * node concedes an election, or leaves a late grant uncounted.
 */
import { describe, expect, it } from 'vitest';
import { createRandom } from '../src/random.js';
import { createReferenceNode } from '../src/raft/node.js';
import { DEFAULT_NODE_CONFIG, type Message, type NodeInput } from '../src/raft/types.js';

const members = (n: number) => Array.from({ length: n }, (_, i) => `n${i + 1}`);
function node(n: number, features: Array<'prevote' | 'checkquorum'> = []) {
  const r = createReferenceNode({ ...DEFAULT_NODE_CONFIG, id: 'n1', members: members(n), features }, { random: createRandom(1) });
  r.start();
  r.step({ type: 'timeout', timer: 'election' });
  return r;
}
const answer = (type: 'RequestVoteResponse' | 'PreVoteResponse', from: string, term: number, voteGranted: boolean): NodeInput =>
  ({ type: 'receive', msg: { id: 'x', type, from, to: 'n1', term, voteGranted } as Message });

describe('an election lost', () => {
  it('a candidate steps down only once the refusals of its term leave no majority, keeping its term and vote', () => {
    const n = node(3);
    n.step(answer('RequestVoteResponse', 'n2', 1, false));
    expect(n.concedeElection()).toEqual([]);
    expect(n.live.role).toBe('candidate');
    n.step(answer('RequestVoteResponse', 'n2', 0, false)); // another term's refusal counts for nothing
    n.step(answer('RequestVoteResponse', 'n2', 1, false)); // nor does a duplicate
    expect(n.concedeElection()).toEqual([]);
    n.step(answer('RequestVoteResponse', 'n3', 1, false));
    expect(n.concedeElection().map((r) => r.effect.kind)).toContain('role');
    expect(n.live).toMatchObject({ role: 'follower', term: 1, votedFor: 'n1' });
  });

  it('with four members two refusals suffice (the other two cannot make three)', () => {
    const n = node(4);
    n.step(answer('RequestVoteResponse', 'n2', 1, false));
    expect(n.concedeElection()).toEqual([]);
    n.step(answer('RequestVoteResponse', 'n3', 1, false));
    n.concedeElection();
    expect(n.live.role).toBe('follower');
  });

  it('a pre-candidate steps down once pre-vote refusals of its own term leave no majority', () => {
    const n = node(3, ['prevote']);
    expect(n.live).toMatchObject({ role: 'precandidate', term: 0 });
    n.step(answer('PreVoteResponse', 'n2', 0, false));
    expect(n.concedeElection()).toEqual([]);
    n.step(answer('PreVoteResponse', 'n3', 0, false));
    n.concedeElection();
    expect(n.live).toMatchObject({ role: 'follower', term: 0 });
  });
});

describe('a pre-vote round counts a server\'s first answer', () => {
  it('a grant from a server that refused this round is not counted', () => {
    const n = node(5, ['prevote']);
    n.step(answer('PreVoteResponse', 'n2', 0, false));
    n.step(answer('PreVoteResponse', 'n2', 1, true));
    n.step(answer('PreVoteResponse', 'n3', 1, true));
    expect(n.live.role).toBe('precandidate'); // n1 and n3: two of five
    n.step(answer('PreVoteResponse', 'n4', 1, true));
    expect(n.live).toMatchObject({ role: 'candidate', term: 1 });
  });

  it('a new round forgets the refusals of the last', () => {
    const n = node(3, ['prevote']);
    n.step(answer('PreVoteResponse', 'n2', 0, false));
    n.step({ type: 'timeout', timer: 'election' });
    n.step(answer('PreVoteResponse', 'n2', 1, true));
    expect(n.live).toMatchObject({ role: 'candidate', term: 1 });
  });
});
