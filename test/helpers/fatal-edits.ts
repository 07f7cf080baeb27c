/**
 * Small edits that no freedom of the trace format explains (the reverse of sparsify.ts): each
 * makes a valid trace one that a correct Raft could not have produced, so some rule must catch
 * it. Each returns the edited trace and the 1-based line where the edit shows (or null when the
 * trace offers no place for it).
 */
import type { Random } from '../../src/random.js';
import type { Command, Entry, Message, TraceLine } from '../../src/trace/schema.js';

type Line = TraceLine;
export interface Edited {
  lines: Line[];
  /** The line (1-based) of the edited or inserted event. */
  line: number;
}
export type FatalEdit = (lines: readonly Line[], random: Random) => Edited | null;

const nodeOf = (l: Line): string | undefined => ('node' in l && typeof l.node === 'string' ? l.node : undefined);

/** The indexes of lines matching `which`, and one of them picked. */
function pick(lines: readonly Line[], random: Random, which: (l: Line, i: number) => boolean): number | null {
  const found = lines.flatMap((l, i) => (which(l, i) ? [i] : []));
  return found.length > 0 ? random.pick(found) : null;
}

function replaced(lines: readonly Line[], i: number, line: Line): Edited {
  return { lines: lines.map((l, k) => (k === i ? line : l)), line: i + 1 };
}

/** The same message changed alike in its send and every receive. */
function changedMessage(lines: readonly Line[], id: string, f: (m: Message) => Message): Line[] {
  return lines.map((l) => ((l.kind === 'send' || l.kind === 'receive') && l.msg.id === id ? ({ ...l, msg: f(l.msg) } as Line) : l));
}

/** Inserts a node event after line index `i`, with the node's next seq (its later events move up by one). */
function insertAfter(lines: readonly Line[], i: number, event: Record<string, unknown>): Edited {
  const at = lines[i] as Extract<Line, { node: string }>;
  const node = at.node;
  const out: Line[] = [];
  lines.forEach((l, k) => {
    const shifted = k > i && nodeOf(l) === node && 'seq' in l && l.seq !== undefined ? ({ ...l, seq: l.seq + 1 } as Line) : l;
    out.push(shifted);
    if (k === i) out.push({ node, seq: at.seq + 1, time: at.time, ...event } as Line);
  });
  return { lines: out, line: i + 2 };
}

const otherValue = (c: Command): Command => (c.type === 'set' ? { ...c, value: typeof c.value === 'number' ? c.value + 1000 : `${c.value}!` } : { type: 'set', value: 'edited' });

export const FATAL_EDITS: Record<string, FatalEdit> = {
  /** A logged state says another term than the node's. */
  stateTerm(lines, random) {
    const i = pick(lines, random, (l) => l.kind !== 'restart' && 'state' in l && l.state?.term !== undefined);
    if (i === null) return null;
    const l = lines[i] as Extract<Line, { state?: unknown }> & { state: { term: number } };
    return replaced(lines, i, { ...l, state: { ...l.state, term: l.state.term + 1 } } as Line);
  },
  /** A logged state says another last log index than the node's. */
  stateLastLogIndex(lines, random) {
    const i = pick(lines, random, (l) => 'state' in l && l.state?.lastLogIndex !== undefined);
    if (i === null) return null;
    const l = lines[i] as Line & { state: { lastLogIndex: number } };
    return replaced(lines, i, { ...l, state: { ...l.state, lastLogIndex: l.state.lastLogIndex + 1 } } as Line);
  },
  /** An apply logs another value than its command gives. */
  applyValue(lines, random) {
    const i = pick(lines, random, (l) => l.kind === 'apply' && l.value !== undefined && l.command.type === 'set');
    if (i === null) return null;
    const l = lines[i] as Extract<Line, { kind: 'apply' }>;
    return replaced(lines, i, { ...l, value: typeof l.value === 'number' ? l.value + 1 : `${String(l.value)}!` } as Line);
  },
  /** An apply of another command than the log's at that index. */
  applyCommand(lines, random) {
    const i = pick(lines, random, (l) => l.kind === 'apply');
    if (i === null) return null;
    const l = lines[i] as Extract<Line, { kind: 'apply' }>;
    const command = otherValue(l.command);
    const { value: _v, result: _r, ...rest } = l;
    return replaced(lines, i, { ...rest, command } as Line);
  },
  /** A node appends another entry than it was sent (or than its client asked for). */
  appendEntry(lines, random) {
    const i = pick(lines, random, (l) => l.kind === 'append');
    if (i === null) return null;
    const l = lines[i] as Extract<Line, { kind: 'append' }>;
    const entries: Entry[] = [{ ...l.entries[0]!, command: otherValue(l.entries[0]!.command) }, ...l.entries.slice(1)];
    return replaced(lines, i, { ...l, entries } as Line);
  },
  /** A node votes for a second candidate in a term where it voted. */
  secondVote(lines, random) {
    const i = pick(lines, random, (l) => l.kind === 'vote');
    if (i === null) return null;
    const l = lines[i] as Extract<Line, { kind: 'vote' }>;
    const header = lines[0]!;
    const other = header.kind === 'header' ? header.nodes.find((n) => n !== l.votedFor) : undefined;
    return other === undefined ? null : insertAfter(lines, i, { kind: 'vote', votedFor: other });
  },
  /** Two applies of a node swapped: out of index order. */
  swappedApplies(lines, random) {
    const i = pick(lines, random, (l, k) => l.kind === 'apply' && lines.slice(k + 1).find((m) => nodeOf(m) === l.node)?.kind === 'apply');
    if (i === null) return null;
    const a = lines[i] as Extract<Line, { kind: 'apply' }>;
    const j = lines.findIndex((m, k) => k > i && nodeOf(m) === a.node);
    const b = lines[j] as Extract<Line, { kind: 'apply' }>;
    const out = [...lines];
    out[i] = { ...b, seq: a.seq, time: a.time } as Line;
    out[j] = { ...a, seq: b.seq, time: b.time } as Line;
    // The later index first is an apply with a gap, which is legal: the earlier one after it is not.
    return { lines: out, line: j + 1 };
  },
  /** A vote answered the other way (the RequestVoteResponse, sent and received alike). */
  flippedVote(lines, random) {
    const i = pick(lines, random, (l) => l.kind === 'send' && l.msg.type === 'RequestVoteResponse');
    if (i === null) return null;
    const m = (lines[i] as Extract<Line, { kind: 'send' }>).msg as Extract<Message, { type: 'RequestVoteResponse' }>;
    return { lines: changedMessage(lines, m.id, (msg) => ({ ...msg, voteGranted: !m.voteGranted }) as Message), line: i + 1 };
  },
  /** An AppendEntries that tells of a commitIndex beyond the leader's. */
  raisedLeaderCommit(lines, random) {
    const i = pick(lines, random, (l) => l.kind === 'send' && l.msg.type === 'AppendEntries');
    if (i === null) return null;
    const m = (lines[i] as Extract<Line, { kind: 'send' }>).msg as Extract<Message, { type: 'AppendEntries' }>;
    return { lines: changedMessage(lines, m.id, (msg) => ({ ...msg, leaderCommit: m.leaderCommit + 1 }) as Message), line: i + 1 };
  },
  /** A restart that recovers a log without the last entry the node acknowledged. */
  restartLosesAcknowledged(lines, random) {
    const i = pick(lines, random, (l, k) => {
      if (l.kind !== 'restart' || !l.persisted || l.persisted.log.length === 0) return false;
      // The node acknowledged its last entry before it crashed.
      const acked = lines.slice(0, k).findLast((m) => m.kind === 'send' && m.node === l.node && m.msg.type === 'AppendEntriesResponse' && m.msg.success);
      return acked?.kind === 'send' && acked.msg.type === 'AppendEntriesResponse' && acked.msg.matchIndex === l.persisted.log.length;
    });
    if (i === null) return null;
    const l = lines[i] as Extract<Line, { kind: 'restart' }>;
    const log = l.persisted!.log.slice(0, -1);
    return replaced(lines, i, { ...l, persisted: { ...l.persisted!, log }, ...(l.state ? { state: { ...l.state, lastLogIndex: log.length, lastLogTerm: log.at(-1)?.term ?? 0 } } : {}) } as Line);
  },
  /** A read answered with another value than the register's. */
  wrongRead(lines, random) {
    const i = pick(lines, random, (l) => l.kind === 'client_response' && l.result.status === 'ok' && l.result.value !== undefined);
    if (i === null) return null;
    const l = lines[i] as Extract<Line, { kind: 'client_response' }>;
    return replaced(lines, i, { ...l, result: { status: 'ok', value: 'never written' } } as Line);
  },
  /** A commit event whose commitIndex goes back. */
  commitBack(lines, random) {
    const i = pick(lines, random, (l) => l.kind === 'commit' && l.commitIndex > 1);
    if (i === null) return null;
    const l = lines[i] as Extract<Line, { kind: 'commit' }>;
    return insertAfter(lines, i, { kind: 'commit', commitIndex: l.commitIndex - 1 });
  },
};
