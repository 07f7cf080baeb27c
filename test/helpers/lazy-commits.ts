/**
 * A trace transformation that keeps a run legal: one node commits and applies at other points
 * than the reference did. Its `commit`, `apply` and `client_response` events are taken out of
 * their places and logged again after another event of the same node — later, in a later step,
 * or earlier in their own step, before that step's state changes — with states that are true
 * at that point: the role, term, vote and log its logged changes have reached by then, and its
 * own lagging commitIndex, lastApplied and value everywhere. Figure 2 allows exactly this (All
 * Servers 1: apply whenever commitIndex > lastApplied; AppendEntries 5: raise commitIndex on
 * this or any later request), and spec/CONFORMANCE.md promises to accept it.
 *
 * What moves, and where it may go:
 * - only what a node does while it is not leader (a leader's commitIndex goes out in its
 *   AppendEntries: holding it back would make those messages lie);
 * - never before the input that opened its step, and never before the log holds the entry (a
 *   commit or apply waits for the append of its index);
 * - in the same order; and all of it before the node logs `role leader` (a leader may not
 *   commit an older term's entry by itself, Figure 8). A crash loses what is held (commitIndex
 *   and lastApplied are volatile); so does the end of the trace.
 */
import type { NodeState, TraceLine } from '../../src/trace/schema.js';

export type NodeLine = Extract<TraceLine, { node: string }>;

export interface LazyPlan {
  /**
   * At this input of the node (receive, timeout, client_request), take its step's commits,
   * applies and client answers out of their places at once, so they may be logged earlier.
   */
  take(input: NodeLine, index: number): boolean;
  /** After this event of the node: how many of the waiting events to log now (those the log allows). */
  release(line: NodeLine, index: number, waiting: number): number;
  /** Released commits are merged into the last of them, logged before the applies (a bigger step). */
  merge?(line: NodeLine, index: number): boolean;
}

const LATE_KINDS = new Set(['commit', 'apply', 'client_response']);
const INPUT_KINDS = new Set(['receive', 'timeout', 'client_request']);
const STEP_ENDS = new Set(['receive', 'timeout', 'client_request', 'crash', 'restart']);

function isNodeLine(l: TraceLine): l is NodeLine {
  return 'node' in l && typeof l.node === 'string';
}

/** The trace with `node`'s commits and applies moved as `plan` says; seq renumbered for that node. */
export function moveCommits(lines: readonly TraceLine[], node: string, plan: LazyPlan): TraceLine[] {
  const out: TraceLine[] = [];
  const taken = new Set<number>();
  let waiting: NodeLine[] = [];
  /** The node's last logged state (its role, term, vote and log as its changes leave them). */
  let last: NodeState | undefined;
  let own = { commitIndex: 0, lastApplied: 0, value: null as NodeState['value'] };
  let role = 'follower';
  let seq = 0;

  const emit = (l: NodeLine, time?: number) => {
    if (l.kind === 'commit') own = { ...own, commitIndex: l.commitIndex };
    if (l.kind === 'apply') own = { ...own, lastApplied: l.index, ...(l.value !== undefined ? { value: l.value } : {}) };
    let state = 'state' in l && l.state ? { ...l.state, ...own } : undefined;
    if (LATE_KINDS.has(l.kind) && last) state = { ...last, ...own };
    if (state) last = state;
    const { state: _original, ...rest } = l as NodeLine & { state?: NodeState };
    out.push({ ...rest, seq: seq++, ...(time !== undefined ? { time } : {}), ...(state ? { state } : {}) } as TraceLine);
  };
  /** The log as the node's changes leave it holds what `l` commits or applies. */
  const ready = (l: NodeLine) => {
    const end = last?.lastLogIndex ?? Number.MAX_SAFE_INTEGER;
    return l.kind === 'commit' ? l.commitIndex <= end : l.kind === 'apply' ? l.index <= end : true;
  };
  const releaseSome = (at: NodeLine, index: number, count: number) => {
    let n = 0;
    while (n < Math.min(count, waiting.length) && ready(waiting[n]!)) n++;
    if (n === 0) return;
    let batch = waiting.slice(0, n);
    waiting = waiting.slice(n);
    if (plan.merge?.(at, index)) {
      const top = batch.filter((h) => h.kind === 'commit').at(-1);
      if (top) batch = [top, ...batch.filter((h) => h.kind !== 'commit')];
    }
    for (const h of batch) emit(h, at.time);
  };

  lines.forEach((l, index) => {
    if (!isNodeLine(l) || l.node !== node) return out.push(l);
    if (taken.has(index)) return;
    if (l.kind === 'crash') waiting = [];
    if (l.kind === 'restart') {
      own = { commitIndex: 0, lastApplied: 0, value: null };
      role = 'follower';
    }
    if (l.kind === 'role' && l.role === 'leader') {
      releaseSome(l, index, Infinity);
      if (waiting.length > 0) throw new Error(`moveCommits: ${node} becomes leader at line ${index + 1} with commits its log does not hold`);
    }
    if (l.kind === 'role') role = l.role;
    if (LATE_KINDS.has(l.kind) && role !== 'leader' && waiting.length > 0) {
      waiting.push(l); // keeps the order behind what already waits
      return;
    }
    emit(l);
    if (INPUT_KINDS.has(l.kind) && role !== 'leader' && plan.take(l, index)) {
      for (let j = index + 1; j < lines.length; j++) {
        const m = lines[j]!;
        if (!isNodeLine(m) || m.node !== node) continue;
        if (STEP_ENDS.has(m.kind)) break;
        if (LATE_KINDS.has(m.kind)) {
          taken.add(j);
          waiting.push(m);
        }
      }
    }
    if (waiting.length > 0) releaseSome(l, index, plan.release(l, index, waiting.length));
  });
  return out;
}
