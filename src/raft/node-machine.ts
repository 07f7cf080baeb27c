/**
 * The reference Raft node as an XState v5 statechart: one explicit, named transition per rule
 * of the Raft paper's Figure 2 and §5 (the base chart, ./chart.ts), and the states and
 * transitions of each protocol extension that is on (./features). Guards and actions only call
 * the small pure rules in ./rules and ./features; reading chart.ts is reading the protocol.
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
import { type Args, enterRole, msg, type NodeEvent, request } from './events.js';
import { composeChart, FEATURE_ACTIONS, FEATURE_GUARDS } from './features/compose.js';
import { canonicalFeatures, type Feature } from './features/index.js';
import { appendClientCommand, rejectNotLeader } from './rules/client.js';
import { countRefusal, electionLost, isRefusalForCurrentTerm } from './rules/election-lost.js';
import { canGrantVote, countVote, grantVote, hasVoteMajority, isVoteForCurrentTerm, rejectVote, startElection } from './rules/election.js';
import {
  acceptAppendEntries, advanceCommitIndex, backOffNextIndex, broadcastAppendEntries, initLeaderState, isSuccessfulAppend,
  logMatchesAt, recordReplication, rejectAppendAsLeader, rejectInconsistentAppend, rejectStaleAppend, retryAppendEntries, sendMoreEntries,
} from './rules/replication.js';
import { adoptTerm, hasHigherTerm, isStaleTerm } from './rules/terms.js';
import { armElectionTimer, armHeartbeatTimer, cancelElectionTimer, cancelHeartbeatTimer } from './rules/timers.js';
import type { AppendEntries, AppendEntriesResponse, PreVoteResponse, RequestVote, RequestVoteResponse } from './types.js';

export { msg, request, type Args, type NodeEvent };

/** Every guard and action any chart (base or with features) names, registered once. */
const raftSetup = setup({
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
    isRefusalForCurrentTerm: (a: Args) => isRefusalForCurrentTerm(a.context, msg<RequestVoteResponse | PreVoteResponse>(a)),
    electionLost: ({ context }: Args) => electionLost(context),
    logMatches: (a: Args) => logMatchesAt(a.context, msg<AppendEntries>(a).prevLogIndex, msg<AppendEntries>(a).prevLogTerm),
    isSuccessfulAppend: (a: Args) => isSuccessfulAppend(a.context, msg<AppendEntriesResponse>(a)),
    ...FEATURE_GUARDS,
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
    countRefusal: (a: Args) => countRefusal(a.context, msg<RequestVoteResponse | PreVoteResponse>(a)),
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
    ...FEATURE_ACTIONS,
  },
});

type MachineConfig = Parameters<typeof raftSetup.createMachine>[0];

function build(features: readonly Feature[]) {
  const chart = composeChart(features);
  return raftSetup.createMachine({ ...(chart as unknown as MachineConfig), context: ({ input }: { input: NodeContext }) => input });
}

/** The base chart: the Raft of Figure 2. */
export const raftNodeMachine = build([]);

/** The machine's type, for variants built with `provide(...)` (the bug catalogue); the same for every feature set. */
export type RaftNodeMachine = typeof raftNodeMachine;

const machines = new Map<string, RaftNodeMachine>([['', raftNodeMachine]]);

/** The chart with these features on (built once per feature set). */
export function machineFor(features: readonly string[] | undefined): RaftNodeMachine {
  const canonical = canonicalFeatures(features ?? []);
  const key = canonical.join(',');
  let machine = machines.get(key);
  if (!machine) {
    machine = build(canonical);
    machines.set(key, machine);
  }
  return machine;
}
