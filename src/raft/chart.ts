/**
 * The statechart's structure as plain data — states, and per event the transitions in the order
 * they are tried — before XState builds a machine from it. The base chart (Figure 2) is
 * BASE_CHART; each feature (src/raft/features) extends a copy of it with its own named states
 * and transitions, and node-machine.ts builds the machine of a feature set from the result.
 * Guards and actions are referenced by the names registered with `setup()`.
 */
export interface TransitionConfig {
  guard?: string;
  /** A state key, or `#raft.<key>`; absent: handled in place. */
  target?: string;
  actions?: string[];
  reenter?: boolean;
}

export interface StateConfig {
  entry: string[];
  exit?: string[];
  on: Record<string, TransitionConfig[]>;
  always?: TransitionConfig[];
}

export interface ChartConfig {
  id: 'raft';
  initial: string;
  states: Record<string, StateConfig>;
}

/** The step-down transition every message handler lists first (Figure 2, All Servers 2). */
export const stepDownAndRetry = (): TransitionConfig => ({ guard: 'hasHigherTerm', target: '#raft.follower', actions: ['adoptTerm', 'handleAgain'] });
/** For responses: adopt the term and step down; the stale response itself needs no handling. */
export const stepDown = (): TransitionConfig => ({ guard: 'hasHigherTerm', target: '#raft.follower', actions: ['adoptTerm'] });

export const BASE_CHART: ChartConfig = {
  id: 'raft',
  initial: 'follower',
  states: {
    follower: {
      entry: ['becomeFollower', 'armElectionTimer'],
      on: {
        ELECTION_TIMEOUT: [{ target: 'candidate' }],
        RequestVote: [
          { guard: 'hasHigherTerm', actions: ['adoptTerm', 'handleAgain'] },
          { guard: 'canGrantVote', actions: ['grantVote'] },
          { actions: ['rejectVote'] },
        ],
        RequestVoteResponse: [{ guard: 'hasHigherTerm', actions: ['adoptTerm'] }],
        AppendEntries: [
          { guard: 'hasHigherTerm', actions: ['adoptTerm', 'handleAgain'] },
          { guard: 'isStaleTerm', actions: ['rejectStaleAppend'] },
          { guard: 'logMatches', actions: ['acceptAppendEntries'] },
          { actions: ['rejectInconsistentAppend'] },
        ],
        AppendEntriesResponse: [{ guard: 'hasHigherTerm', actions: ['adoptTerm'] }],
        CLIENT_REQUEST: [{ actions: ['rejectNotLeader'] }],
      },
    },
    candidate: {
      entry: ['becomeCandidate', 'startElection'],
      always: [{ guard: 'hasVoteMajority', target: 'leader' }],
      on: {
        ELECTION_TIMEOUT: [{ target: 'candidate', reenter: true }],
        RequestVote: [stepDownAndRetry(), { guard: 'canGrantVote', actions: ['grantVote'] }, { actions: ['rejectVote'] }],
        RequestVoteResponse: [stepDown(), { guard: 'isVoteForCurrentTerm', actions: ['countVote'] }, { guard: 'isRefusalForCurrentTerm', actions: ['countRefusal'] }],
        // Never raised by the reference itself: an implementation's freedom (rules/election-lost.ts).
        ELECTION_LOST: [{ guard: 'electionLost', target: 'follower' }],
        AppendEntries: [
          stepDownAndRetry(),
          { guard: 'isStaleTerm', actions: ['rejectStaleAppend'] },
          // A leader of our own term exists: return to follower and let it handle the request.
          { target: 'follower', actions: ['handleAgain'] },
        ],
        AppendEntriesResponse: [stepDown()],
        CLIENT_REQUEST: [{ actions: ['rejectNotLeader'] }],
      },
    },
    leader: {
      entry: ['becomeLeader', 'initLeaderState', 'cancelElectionTimer', 'broadcastAppendEntries', 'armHeartbeatTimer'],
      exit: ['cancelHeartbeatTimer'],
      on: {
        HEARTBEAT_TIMEOUT: [{ actions: ['broadcastAppendEntries', 'armHeartbeatTimer'] }],
        CLIENT_REQUEST: [{ actions: ['appendClientCommand'] }],
        RequestVote: [stepDownAndRetry(), { guard: 'canGrantVote', actions: ['grantVote'] }, { actions: ['rejectVote'] }],
        RequestVoteResponse: [stepDown()],
        AppendEntries: [stepDownAndRetry(), { guard: 'isStaleTerm', actions: ['rejectStaleAppend'] }, { actions: ['rejectAppendAsLeader'] }],
        AppendEntriesResponse: [
          stepDown(),
          { guard: 'isStaleTerm' },
          { guard: 'isSuccessfulAppend', actions: ['recordReplication', 'advanceCommitIndex', 'sendMoreEntries'] },
          { actions: ['backOffNextIndex', 'retryAppendEntries'] },
        ],
      },
    },
  },
};

/** A deep copy, for a feature to extend. */
export function copyChart(chart: ChartConfig): ChartConfig {
  return structuredClone(chart);
}

/** The transitions of `state` for `event` (created empty if it has none), to edit in place. */
export function transitionsOf(chart: ChartConfig, state: string, event: string): TransitionConfig[] {
  const s = chart.states[state];
  if (!s) throw new Error(`the chart has no state '${state}'`);
  return (s.on[event] ??= []);
}

/** The first transition of `state` for `event` whose actions include `action` (throws if none: a feature edits what exists). */
export function transitionWith(chart: ChartConfig, state: string, event: string, action: string): TransitionConfig {
  const t = transitionsOf(chart, state, event).find((x) => x.actions?.includes(action));
  if (!t) throw new Error(`the chart has no ${event} transition of '${state}' with the action '${action}'`);
  return t;
}

/** The transition of `state` for `event` whose actions include `action`, if the chart has one (a feature that extends another's). */
export function transitionWithIfAny(chart: ChartConfig, state: string, event: string, action: string): TransitionConfig | undefined {
  return chart.states[state]?.on[event]?.find((x) => x.actions?.includes(action));
}
