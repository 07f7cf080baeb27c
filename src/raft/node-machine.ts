/**
 * The reference Raft node as an XState v5 statechart: three states, and one explicit, named
 * transition per rule of the Raft paper's Figure 2 and §5. Guards and actions only call the
 * small pure rules in ./rules; reading this file is reading the protocol.
 *
 * Conventions that matter:
 * - Every message handler lists the higher-term step-down first (Figure 2, All Servers 2). It
 *   adopts the term, becomes follower, and re-raises the same message, which is then handled
 *   in the current term — "before handling the message", literally.
 * - Timers are effects (`set_timer`/`cancel_timer`); their firing comes back as events. No
 *   `after`, no clock.
 * - The context is mutated in place by the rules (see context.ts); nothing is copied per event.
 */
import { raise, setup } from 'xstate';
import type { NodeContext } from './context.js';
import { record } from './context.js';
import { appendClientCommand, rejectNotLeader, type ClientRequest } from './rules/client.js';
import { canGrantVote, countVote, grantVote, hasVoteMajority, isVoteForCurrentTerm, rejectVote, startElection } from './rules/election.js';
import {
  acceptAppendEntries, advanceCommitIndex, backOffNextIndex, broadcastAppendEntries, initLeaderState, isSuccessfulAppend,
  logMatchesAt, recordReplication, rejectAppendAsLeader, rejectInconsistentAppend, rejectStaleAppend, retryAppendEntries, sendMoreEntries,
} from './rules/replication.js';
import { adoptTerm, hasHigherTerm, isStaleTerm } from './rules/terms.js';
import { armElectionTimer, armHeartbeatTimer, cancelElectionTimer, cancelHeartbeatTimer } from './rules/timers.js';
import type { AppendEntries, AppendEntriesResponse, Message, RequestVote, RequestVoteResponse, Role } from './types.js';

export type NodeEvent =
  | { type: 'ELECTION_TIMEOUT' }
  | { type: 'HEARTBEAT_TIMEOUT' }
  | { type: 'CLIENT_REQUEST'; request: ClientRequest }
  | { type: 'RequestVote'; msg: RequestVote }
  | { type: 'RequestVoteResponse'; msg: RequestVoteResponse }
  | { type: 'AppendEntries'; msg: AppendEntries }
  | { type: 'AppendEntriesResponse'; msg: AppendEntriesResponse };

/** What every guard and action receives. */
export type Args = { context: NodeContext; event: NodeEvent };

/** The message an event carries (every guard/action below is only wired to message events where it reads one). */
export function msg<T extends Message>({ event }: Args): T {
  if (!('msg' in event)) throw new Error(`event ${event.type} carries no message`);
  return event.msg as T;
}

export function request({ event }: Args): ClientRequest {
  if (event.type !== 'CLIENT_REQUEST') throw new Error(`event ${event.type} is not a client request`);
  return event.request;
}

/** Records a role change (only a change: re-entering candidate for a new election records none). */
function enterRole(context: NodeContext, role: Role): void {
  if (context.role === role) return;
  context.role = role;
  record(context, { kind: 'role', role });
}

/** The step-down transition every message handler lists first. */
const stepDownAndRetry = { guard: 'hasHigherTerm', target: '#raft.follower', actions: ['adoptTerm', 'handleAgain'] } as const;
/** For responses: adopt the term and step down; the stale response itself needs no handling. */
const stepDown = { guard: 'hasHigherTerm', target: '#raft.follower', actions: ['adoptTerm'] } as const;

export const raftNodeMachine = setup({
  types: {
    context: {} as NodeContext,
    events: {} as NodeEvent,
    input: {} as NodeContext,
  },
  guards: {
    hasHigherTerm: (a: Args) => hasHigherTerm(a.context, msg(a).term),
    isStaleTerm: (a: Args) => isStaleTerm(a.context, msg(a).term),
    canGrantVote: (a: Args) => canGrantVote(a.context, msg<RequestVote>(a)),
    isVoteForCurrentTerm: (a: Args) => isVoteForCurrentTerm(a.context, msg<RequestVoteResponse>(a)),
    hasVoteMajority: ({ context }: Args) => hasVoteMajority(context),
    logMatches: (a: Args) => logMatchesAt(a.context, msg<AppendEntries>(a).prevLogIndex, msg<AppendEntries>(a).prevLogTerm),
    isSuccessfulAppend: (a: Args) => isSuccessfulAppend(a.context, msg<AppendEntriesResponse>(a)),
  },
  actions: {
    // Entering each role.
    becomeFollower: ({ context }: Args) => enterRole(context, 'follower'),
    becomeCandidate: ({ context }: Args) => enterRole(context, 'candidate'),
    becomeLeader: ({ context }: Args) => enterRole(context, 'leader'),
    armElectionTimer: ({ context }: Args) => armElectionTimer(context),
    cancelElectionTimer: ({ context }: Args) => cancelElectionTimer(context),
    armHeartbeatTimer: ({ context }: Args) => armHeartbeatTimer(context),
    cancelHeartbeatTimer: ({ context }: Args) => cancelHeartbeatTimer(context),
    // Terms.
    adoptTerm: (a: Args) => adoptTerm(a.context, msg(a).term),
    handleAgain: raise(({ event }: Args) => event),
    // Election.
    startElection: ({ context }: Args) => startElection(context),
    grantVote: (a: Args) => grantVote(a.context, msg<RequestVote>(a)),
    rejectVote: (a: Args) => rejectVote(a.context, msg<RequestVote>(a)),
    countVote: (a: Args) => countVote(a.context, msg<RequestVoteResponse>(a)),
    initLeaderState: ({ context }: Args) => initLeaderState(context),
    // Replication.
    acceptAppendEntries: (a: Args) => acceptAppendEntries(a.context, msg<AppendEntries>(a)),
    rejectInconsistentAppend: (a: Args) => rejectInconsistentAppend(a.context, msg<AppendEntries>(a)),
    rejectStaleAppend: (a: Args) => rejectStaleAppend(a.context, msg<AppendEntries>(a)),
    rejectAppendAsLeader: (a: Args) => rejectAppendAsLeader(a.context, msg<AppendEntries>(a)),
    broadcastAppendEntries: ({ context }: Args) => broadcastAppendEntries(context),
    recordReplication: (a: Args) => recordReplication(a.context, msg<AppendEntriesResponse>(a)),
    advanceCommitIndex: ({ context }: Args) => advanceCommitIndex(context),
    sendMoreEntries: (a: Args) => sendMoreEntries(a.context, msg<AppendEntriesResponse>(a)),
    backOffNextIndex: (a: Args) => backOffNextIndex(a.context, msg<AppendEntriesResponse>(a)),
    retryAppendEntries: (a: Args) => retryAppendEntries(a.context, msg<AppendEntriesResponse>(a)),
    // Clients.
    appendClientCommand: (a: Args) => appendClientCommand(a.context, request(a)),
    rejectNotLeader: (a: Args) => rejectNotLeader(a.context, request(a)),
  },
}).createMachine({
  id: 'raft',
  context: ({ input }) => input,
  initial: 'follower',
  states: {
    follower: {
      entry: ['becomeFollower', 'armElectionTimer'],
      on: {
        ELECTION_TIMEOUT: { target: 'candidate' },
        RequestVote: [
          { guard: 'hasHigherTerm', actions: ['adoptTerm', 'handleAgain'] },
          { guard: 'canGrantVote', actions: 'grantVote' },
          { actions: 'rejectVote' },
        ],
        RequestVoteResponse: [{ guard: 'hasHigherTerm', actions: 'adoptTerm' }],
        AppendEntries: [
          { guard: 'hasHigherTerm', actions: ['adoptTerm', 'handleAgain'] },
          { guard: 'isStaleTerm', actions: 'rejectStaleAppend' },
          { guard: 'logMatches', actions: 'acceptAppendEntries' },
          { actions: 'rejectInconsistentAppend' },
        ],
        AppendEntriesResponse: [{ guard: 'hasHigherTerm', actions: 'adoptTerm' }],
        CLIENT_REQUEST: { actions: 'rejectNotLeader' },
      },
    },
    candidate: {
      entry: ['becomeCandidate', 'startElection'],
      always: { guard: 'hasVoteMajority', target: 'leader' },
      on: {
        ELECTION_TIMEOUT: { target: 'candidate', reenter: true },
        RequestVote: [stepDownAndRetry, { guard: 'canGrantVote', actions: 'grantVote' }, { actions: 'rejectVote' }],
        RequestVoteResponse: [stepDown, { guard: 'isVoteForCurrentTerm', actions: 'countVote' }],
        AppendEntries: [
          stepDownAndRetry,
          { guard: 'isStaleTerm', actions: 'rejectStaleAppend' },
          // A leader of our own term exists: return to follower and let it handle the request.
          { target: 'follower', actions: 'handleAgain' },
        ],
        AppendEntriesResponse: [stepDown],
        CLIENT_REQUEST: { actions: 'rejectNotLeader' },
      },
    },
    leader: {
      entry: ['becomeLeader', 'initLeaderState', 'cancelElectionTimer', 'broadcastAppendEntries', 'armHeartbeatTimer'],
      exit: ['cancelHeartbeatTimer'],
      on: {
        HEARTBEAT_TIMEOUT: { actions: ['broadcastAppendEntries', 'armHeartbeatTimer'] },
        CLIENT_REQUEST: { actions: 'appendClientCommand' },
        RequestVote: [stepDownAndRetry, { guard: 'canGrantVote', actions: 'grantVote' }, { actions: 'rejectVote' }],
        RequestVoteResponse: [stepDown],
        AppendEntries: [stepDownAndRetry, { guard: 'isStaleTerm', actions: 'rejectStaleAppend' }, { actions: 'rejectAppendAsLeader' }],
        AppendEntriesResponse: [
          stepDown,
          { guard: 'isStaleTerm' },
          { guard: 'isSuccessfulAppend', actions: ['recordReplication', 'advanceCommitIndex', 'sendMoreEntries'] },
          { actions: ['backOffNextIndex', 'retryAppendEntries'] },
        ],
      },
    },
  },
});

/** The machine's type, for variants built with `raftNodeMachine.provide(...)` (the bug catalogue). */
export type RaftNodeMachine = typeof raftNodeMachine;
