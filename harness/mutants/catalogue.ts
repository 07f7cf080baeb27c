/**
 * The bug catalogue: single-rule deviations of the reference node, each a small named change
 * of one guard or action of the statechart (`raftNodeMachine.provide`) or of what survives a
 * restart. They are the bugs Raft implementers actually write; raftcheck must catch each one.
 */
import { record } from '../../src/raft/context.js';
import { createReferenceNode } from '../../src/raft/node.js';
import { msg, raftNodeMachine, type Args } from '../../src/raft/node-machine.js';
import { applyCommitted } from '../../src/raft/rules/apply.js';
import { isLogUpToDate } from '../../src/raft/rules/election.js';
import { acceptAppendEntries, commitIndexFromMatches } from '../../src/raft/rules/replication.js';
import type { AppendEntries, RequestVote, RequestVoteResponse } from '../../src/raft/types.js';
import type { NodeFactory } from '../simulator/cluster.js';

export interface Mutant {
  name: string;
  /** One line: what the bug is. */
  description: string;
  createNode: NodeFactory;
}

type Overrides = Parameters<typeof raftNodeMachine.provide>[0];

function variant(overrides: Overrides): NodeFactory {
  const machine = raftNodeMachine.provide(overrides);
  return (config, options) => createReferenceNode(config, { ...options, machine });
}

export const MUTANTS: readonly Mutant[] = [
  {
    name: 'vote-twice',
    description: 'grants a vote in a term where it already voted for another candidate',
    createNode: variant({
      guards: {
        canGrantVote: (a: Args) => {
          const rv = msg<RequestVote>(a);
          return rv.term === a.context.term && isLogUpToDate(rv.lastLogTerm, rv.lastLogIndex, a.context.log.lastTerm, a.context.log.lastIndex);
        },
      },
    }),
  },
  {
    name: 'ignore-up-to-date',
    description: 'votes for a candidate whose log is less up-to-date than its own (§5.4.1)',
    createNode: variant({
      guards: {
        canGrantVote: (a: Args) => {
          const rv = msg<RequestVote>(a);
          return rv.term === a.context.term && (a.context.votedFor === null || a.context.votedFor === rv.candidateId);
        },
      },
    }),
  },
  {
    name: 'keep-vote-on-new-term',
    description: 'keeps its old vote when it adopts a higher term',
    createNode: variant({
      actions: {
        adoptTerm: (a: Args) => {
          a.context.term = msg(a).term;
          a.context.leaderId = null;
          record(a.context, { kind: 'term', term: a.context.term });
        },
      },
    }),
  },
  {
    name: 'commit-old-term',
    description: 'commits entries of earlier terms by counting replicas (Figure 8)',
    createNode: variant({
      actions: {
        advanceCommitIndex: ({ context }: Args) => {
          const anyTerm = (i: number) => (i <= context.log.lastIndex ? context.term : undefined);
          const n = commitIndexFromMatches([...context.matchIndex.values()], context.log.lastIndex, context.majority, anyTerm, context.term, context.commitIndex);
          if (n > context.commitIndex) {
            context.commitIndex = n;
            record(context, { kind: 'commit', commitIndex: n });
            applyCommitted(context);
          }
        },
      },
    }),
  },
  {
    name: 'majority-off-by-one',
    description: 'becomes leader with one vote short of a majority',
    createNode: variant({ guards: { hasVoteMajority: ({ context }: Args) => context.votes.size >= context.majority - 1 } }),
  },
  {
    name: 'accept-stale-append',
    description: 'accepts AppendEntries from a leader of an older term',
    createNode: variant({ guards: { isStaleTerm: (a: Args) => msg(a).type !== 'AppendEntries' && msg(a).term < a.context.term } }),
  },
  {
    name: 'truncate-on-match',
    description: 'deletes everything after prevLogIndex even when the entries match (a stale request truncates)',
    createNode: variant({
      actions: {
        acceptAppendEntries: (a: Args) => {
          const ae = msg<AppendEntries>(a);
          if (ae.prevLogIndex < a.context.log.lastIndex) {
            a.context.log.truncateFrom(ae.prevLogIndex + 1);
            record(a.context, { kind: 'truncate', fromIndex: ae.prevLogIndex + 1 });
          }
          acceptAppendEntries(a.context, ae);
        },
      },
    }),
  },
  {
    name: 'commit-without-min',
    description: 'sets commitIndex to leaderCommit, not min(leaderCommit, index of last new entry)',
    createNode: variant({
      actions: {
        acceptAppendEntries: (a: Args) => {
          const ae = msg<AppendEntries>(a);
          acceptAppendEntries(a.context, ae);
          if (ae.leaderCommit > a.context.commitIndex) {
            a.context.commitIndex = ae.leaderCommit;
            record(a.context, { kind: 'commit', commitIndex: ae.leaderCommit });
          }
        },
      },
    }),
  },
  {
    name: 'leader-ignores-higher-term',
    description: 'a leader ignores a higher term in responses and keeps leading',
    createNode: variant({
      guards: { hasHigherTerm: (a: Args) => msg(a).term > a.context.term && !(a.context.role === 'leader' && msg(a).type.endsWith('Response')) },
    }),
  },
  {
    name: 'count-old-votes',
    description: 'counts granted votes from earlier terms',
    createNode: variant({ guards: { isVoteForCurrentTerm: (a: Args) => msg<RequestVoteResponse>(a).voteGranted } }),
  },
  {
    name: 'forget-vote-on-restart',
    description: 'does not persist votedFor: a restart forgets the vote of the current term',
    createNode: (config, options) => createReferenceNode(config, { ...options, ...(options.persisted ? { persisted: { ...options.persisted, votedFor: null } } : {}) }),
  },
  {
    name: 'forget-log-on-restart',
    description: 'does not persist the log: a restart comes back with an empty log',
    createNode: (config, options) => createReferenceNode(config, { ...options, ...(options.persisted ? { persisted: { ...options.persisted, log: [] } } : {}) }),
  },
  {
    name: 'skip-consistency-check',
    description: 'accepts AppendEntries without checking prevLogIndex/prevLogTerm',
    createNode: variant({ guards: { logMatches: () => true } }),
  },
  {
    name: 'apply-before-commit',
    description: 'applies a follower\'s new entries as soon as they are appended',
    createNode: variant({
      actions: {
        acceptAppendEntries: (a: Args) => {
          acceptAppendEntries(a.context, msg<AppendEntries>(a));
          const last = a.context.log.lastIndex;
          if (a.context.commitIndex < last) {
            const saved = a.context.commitIndex;
            a.context.commitIndex = last;
            applyCommitted(a.context);
            a.context.commitIndex = saved;
          }
        },
      },
    }),
  },
];

export function findMutant(name: string): Mutant | undefined {
  return MUTANTS.find((m) => m.name === name);
}
