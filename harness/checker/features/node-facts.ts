/**
 * What the feature rules need to know of each node, rebuilt from the trace as it streams: its
 * term, role and last log entry (where logged), whether it is up, whether its producer logs
 * receives, and the leader lease it holds in the trace's time (./lease.ts).
 */
import type { NodeTraceEvent, Role } from '../../../src/trace/schema.js';

export interface NodeFacts {
  id: string;
  alive: boolean;
  term: number;
  role: Role;
  /** The last log entry, where the trace shows it (null: unknown). */
  lastIndex: number | null;
  lastTerm: number | null;
  /** The trace logs receives (some node has logged one; a producer logs them for every node or none). */
  logsReceives: boolean;
  /** Lease: the term and time of the last AppendEntries heard from a leader of the node's term (null: none since it was lost). */
  leaseTerm: number | null;
  leaseStart: number;
}

export function newFacts(id: string): NodeFacts {
  return { id, alive: true, term: 0, role: 'follower', lastIndex: 0, lastTerm: 0, logsReceives: false, leaseTerm: null, leaseStart: 0 };
}

/** Updates the facts with one event of the node (before the rules read them). */
export function absorb(n: NodeFacts, e: NodeTraceEvent): void {
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
      n.lastIndex = e.index + e.entries.length - 1;
      n.lastTerm = e.entries[e.entries.length - 1]!.term;
      break;
    case 'truncate':
      n.lastIndex = e.fromIndex - 1;
      n.lastTerm = e.fromIndex === 1 ? 0 : null;
      break;
    case 'receive':
      // A receive's state is the node's before it: the lease starts with an AppendEntries of its term or above.
      if (e.state?.term !== undefined) n.term = e.state.term;
      if (e.msg.type === 'AppendEntries' && e.msg.term >= n.term) {
        n.leaseTerm = e.msg.term;
        n.leaseStart = e.time;
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
    if (s.role !== undefined) n.role = s.role;
  }
  if (s?.lastLogIndex !== undefined) n.lastIndex = s.lastLogIndex;
  if (s?.lastLogTerm !== undefined) n.lastTerm = s.lastLogTerm;
  if (s?.log !== undefined) {
    n.lastIndex = s.log.length;
    n.lastTerm = s.log.at(-1)?.term ?? 0;
  }
  // A new term forgets the leader of the old one.
  if (n.leaseTerm !== null && n.term > n.leaseTerm) n.leaseTerm = null;
}

/**
 * Whether the node believes a leader alive at `time`: it leads, or it heard from a leader of its
 * term less than the minimum election timeout ago (and has not lost that leader since).
 */
export function inLease(n: NodeFacts, time: number, electionTimeoutMin: number): boolean {
  if (n.role === 'leader') return true;
  return n.leaseTerm !== null && n.leaseTerm === n.term && time < n.leaseStart + electionTimeoutMin;
}
