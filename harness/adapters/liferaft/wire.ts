/**
 * liferaft's packets in the trace's terms, and its log records as Figure 2 entries.
 *
 * liferaft has a request/reply transport: `write(packet, callback)` sends a request, and the
 * receiver answers through the `write` it was handed with the packet. Both directions cross
 * raftcheck's network as messages; the wire form says which one a packet is (`reply`), so that
 * the receiver treats it as liferaft would: a reply is emitted as `data` with nothing to answer
 * through, as liferaft's `message()` does with what its callback receives.
 *
 * | liferaft packet | in the trace |
 * | --- | --- |
 * | `vote` | RequestVote (lastLogIndex/Term from `last`) |
 * | `voted` | RequestVoteResponse (voteGranted = `data.granted`) |
 * | `append` (a heartbeat, or one entry in `data`) | AppendEntries (prevLogIndex/Term and leaderCommit from `last`) |
 * | `append ack` | AppendEntriesResponse, success, matchIndex = `data.index` |
 * | `append fail` | AppendEntriesResponse, no success |
 * | `error` (a stale term, an unknown type), anything else | not modelled |
 *
 * The terms are liferaft's as they are, also where Figure 2 would have 0: for an empty log
 * liferaft names the node's current term as the term of its "last entry" (log.js,
 * `getLastEntry`), in a vote request as in a heartbeat (docs/LIFERAFT.md, finding 5).
 */
import type { Outgoing } from '../adapter.js';
import type { Command, Entry, NodeId } from '../../../src/raft/types.js';
import type { LiferaftEntry, LiferaftPacket } from './liferaft-types.js';

/** What travels with every message: liferaft's own packet. */
export interface Wire {
  reply: boolean;
  packet: LiferaftPacket;
}

export function isWire(x: unknown): x is Wire {
  return typeof x === 'object' && x !== null && typeof (x as Wire).reply === 'boolean' && typeof (x as Wire).packet === 'object' && (x as Wire).packet !== null;
}

/** Log records are keyed by their index in hex, 8 digits (log.js's key encoding). */
export const recordKey = (index: number): string => index.toString(16).padStart(8, '0');

export function toEntry(record: LiferaftEntry): Entry {
  return { term: record.term, command: record.command as Command };
}

/** The entries of a log whose records are `sorted` (key order), checked to be 1, 2, 3, … */
export function entriesOf(sorted: Array<[string, string]>, id: NodeId): Entry[] {
  return sorted.map(([key, value], i) => {
    const record = JSON.parse(value) as LiferaftEntry;
    if (key !== recordKey(i + 1) || record.index !== i + 1) {
      throw new Error(`node ${id}: liferaft's log holds entry ${record.index} under key ${key} at position ${i + 1} (a gap in the log)`);
    }
    return toEntry(record);
  });
}

function entriesIn(data: unknown): Entry[] {
  return Array.isArray(data) ? (data as LiferaftEntry[]).map(toEntry) : [];
}

/** A packet `from` sends `to` (a request, or a `reply` to one). */
export function outgoing(from: NodeId, to: NodeId, packet: LiferaftPacket, reply: boolean): Outgoing {
  const wire: Wire = { reply, packet };
  const base = { from, to, term: packet.term };
  const last = packet.last ?? { index: 0, term: 0, committedIndex: 0 };
  const data = packet.data as { granted?: unknown; index?: unknown } | undefined;
  switch (packet.type) {
    case 'vote':
      return { msg: { ...base, type: 'RequestVote', candidateId: packet.address, lastLogIndex: last.index, lastLogTerm: last.term }, wire };
    case 'voted':
      return { msg: { ...base, type: 'RequestVoteResponse', voteGranted: data?.granted === true }, wire };
    case 'append':
      return {
        msg: { ...base, type: 'AppendEntries', leaderId: packet.address, prevLogIndex: last.index, prevLogTerm: last.term, entries: entriesIn(packet.data), leaderCommit: last.committedIndex },
        wire,
      };
    case 'append ack':
      return { msg: { ...base, type: 'AppendEntriesResponse', success: true, matchIndex: Number(data?.index) }, wire };
    case 'append fail':
      return { msg: { ...base, type: 'AppendEntriesResponse', success: false }, wire };
    default:
      return { unmodelled: { to, name: `liferaft '${packet.type}'${reply ? ' reply' : ''}`, term: packet.term, wire } };
  }
}
