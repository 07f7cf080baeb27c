/**
 * What the feature rules need to know of each node, rebuilt from the trace as it streams: its
 * term, role and last log entry (where logged), whether it is up, whether its producer logs
 * receives, and the leader lease it holds in the trace's time (./lease.ts).
 */
import type { Message, NodeTraceEvent, Role } from '../../../src/trace/schema.js';

export interface NodeFacts {
  id: string;
  alive: boolean;
  term: number;
  role: Role;
  /** The term the node became leader in (its leadership ends with that term, whether or not it logs its step-down). */
  leaderTerm: number;
  /** The last log entry, where the trace shows it (null: unknown). */
  lastIndex: number | null;
  lastTerm: number | null;
  /** The node logs its appends (it has logged an append or a truncate): lastIndex and lastTerm follow its log. */
  logsAppends: boolean;
  /**
   * The node logs every message it receives: it has logged an input or a message (a producer
   * that logs any logs them all, spec/TRACE_FORMAT.md; one of state changes alone logs none).
   */
  logsReceives: boolean;
  /** Lease: the term and time of the last AppendEntries heard from a leader of the node's term (null: none since it was lost). */
  leaseTerm: number | null;
  leaseStart: number;
}

/**
 * The voters of the configuration in effect at a node's log: every node of the header, or with
 * feature membership the latest configuration in the node's log (null: the trace does not show it;
 * `emptyLog`: the event shows the node's log empty, so the initial configuration is in effect).
 */
export type VotersOf = (node: string, emptyLog?: boolean) => readonly string[] | null;

/** A strict majority of `voters`. */
export function quorumOf(voters: readonly string[]): number {
  return Math.floor(voters.length / 2) + 1;
}

export function newFacts(id: string): NodeFacts {
  return { id, alive: true, term: 0, role: 'follower', leaderTerm: 0, lastIndex: 0, lastTerm: 0, logsAppends: false, logsReceives: false, leaseTerm: null, leaseStart: 0 };
}

const INPUTS_AND_MESSAGES: ReadonlySet<string> = new Set(['receive', 'send', 'timeout', 'client_request', 'transfer', 'reconfigure']);

/** Messages whose term is their sender's current term (a PreVoteResponse's only when it refuses). */
function sendersTerm(m: Message): number | null {
  if (m.type === 'PreVote' || (m.type === 'PreVoteResponse' && m.voteGranted)) return null;
  return m.term;
}

/** Messages whose higher term the receiver adopts (Figure 2, "All Servers"); a RequestVote may be ignored under the lease, a PreVote never raises a term. */
function adoptedTerm(m: Message): number | null {
  if (m.type === 'RequestVote' || m.type === 'PreVote' || (m.type === 'PreVoteResponse' && m.voteGranted)) return null;
  return m.term;
}

/** Updates the facts with one event of the node (before the rules read them). */
export function absorb(n: NodeFacts, e: NodeTraceEvent): void {
  const roleBefore = n.role;
  if (INPUTS_AND_MESSAGES.has(e.kind)) n.logsReceives = true;
  switch (e.kind) {
    case 'term':
      n.term = e.term;
      break;
    case 'role':
      n.role = e.role;
      // A pre-vote round or an election of its own: the node forgot its leader (the reference's leaderId).
      if (e.role === 'precandidate' || e.role === 'candidate') n.leaseTerm = null;
      break;
    case 'append':
      n.logsAppends = true;
      n.lastIndex = e.index + e.entries.length - 1;
      n.lastTerm = e.entries[e.entries.length - 1]!.term;
      break;
    case 'truncate':
      n.logsAppends = true;
      n.lastIndex = e.fromIndex - 1;
      n.lastTerm = e.fromIndex === 1 ? 0 : null;
      break;
    case 'receive':
      // A receive's state is the node's before it: the lease starts with an AppendEntries of its term or above.
      if (e.state?.term !== undefined) n.term = e.state.term;
      if (e.state?.role !== undefined) n.role = e.state.role;
      if ((e.msg.type === 'AppendEntries' || e.msg.type === 'Heartbeat') && e.msg.term >= n.term) {
        n.leaseTerm = e.msg.term;
        n.leaseStart = e.time;
      }
      // A message of a higher term makes the node adopt it, whether or not it logs the change.
      n.term = Math.max(n.term, adoptedTerm(e.msg) ?? 0);
      break;
    case 'timeout':
      // An election timeout starts a pre-vote round or an election: the node forgets its leader.
      if (e.timer === 'election') n.leaseTerm = null;
      break;
    case 'send':
      n.term = Math.max(n.term, sendersTerm(e.msg) ?? 0);
      // Its own PreVote or RequestVote shows its round or election where its role changes are left out.
      if ((e.msg.type === 'PreVote' || e.msg.type === 'RequestVote') && e.msg.candidateId === n.id) n.leaseTerm = null;
      // Only a leader sends AppendEntries, TimeoutNow and Heartbeat, of its term.
      if ((e.msg.type === 'AppendEntries' || e.msg.type === 'TimeoutNow' || e.msg.type === 'Heartbeat') && e.msg.term === n.term) {
        if (n.role !== 'leader' || n.leaderTerm !== n.term) n.leaderTerm = n.term;
        n.role = 'leader';
      }
      break;
    case 'crash':
      n.alive = false;
      n.leaseTerm = null;
      break;
    case 'restart':
      n.alive = true;
      n.role = 'follower';
      n.leaseTerm = null;
      if (e.persisted) {
        n.term = Math.max(n.term, e.persisted.term);
        n.lastIndex = e.persisted.log.length;
        n.lastTerm = e.persisted.log.at(-1)?.term ?? 0;
      }
      break;
    default:
      break;
  }
  const s = e.state;
  if (s && e.kind !== 'receive') {
    if (s.term !== undefined) n.term = s.term;
    // A term change's state shows the role before the step-down that follows it (the reference
    // logs the term, then the role): its 'leader' is the old term's, never a new leadership.
    if (s.role !== undefined && !(e.kind === 'term' && s.role === 'leader')) n.role = s.role;
  }
  if (s?.lastLogIndex !== undefined) n.lastIndex = s.lastLogIndex;
  if (s?.lastLogTerm !== undefined) n.lastTerm = s.lastLogTerm;
  if (s?.log !== undefined) {
    n.lastIndex = s.log.length;
    n.lastTerm = s.log.at(-1)?.term ?? 0;
  }
  // A new term forgets the leader of the old one, and ends the node's own leadership (a node
  // that does not log its role changes shows its step-down only by its term).
  if (n.leaseTerm !== null && n.term > n.leaseTerm) n.leaseTerm = null;
  // A round or an election shown only by a state's role forgets the leader as the role event does.
  if ((n.role === 'precandidate' || n.role === 'candidate') && roleBefore !== n.role) n.leaseTerm = null;
  if (n.role === 'leader' && roleBefore !== 'leader') n.leaderTerm = n.term;
  if (n.role === 'leader' && n.term > n.leaderTerm) n.role = 'follower';
}

/**
 * Whether the node's last log entry is known at this event: it logs its appends, or the
 * event's state shows its log (a node that logs no appends may have appended unseen since
 * any earlier state).
 */
export function logKnown(n: NodeFacts, e: NodeTraceEvent): boolean {
  if (n.lastIndex === null || n.lastTerm === null) return false;
  const s = e.state;
  return n.logsAppends || s?.log !== undefined || (s?.lastLogIndex !== undefined && s.lastLogTerm !== undefined);
}

/**
 * Whether the node believes a leader alive at `time`: it leads, or it heard from a leader of its
 * term less than the minimum election timeout ago (and has not lost that leader since).
 */
export function inLease(n: NodeFacts, time: number, electionTimeoutMin: number): boolean {
  if (n.role === 'leader') return true;
  return n.leaseTerm !== null && n.leaseTerm === n.term && time < n.leaseStart + electionTimeoutMin;
}
