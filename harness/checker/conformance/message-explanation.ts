/**
 * Words for a message the reference would not send (conformance.message and the responses of
 * conformance.unexpected): which fields differ, with the node's value and the reference's, or,
 * for a message that is unexpected as a whole, what the reference sends instead, if anything.
 * "n1 sent an AppendEntries to n2 with leaderCommit 4; the reference would send leaderCommit 3"
 * says what to fix; "the reference could not send it" does not.
 */
import type { Entry, Message, MessageBody } from '../../../src/raft/types.js';
import { isClientCommand } from '../../../src/trace/schema.js';

/** A field value as a reader wants it: numbers and booleans bare, node ids bare, the rest as JSON. */
export function showValue(v: unknown): string {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : v === undefined ? 'nothing' : JSON.stringify(v);
}

/** "a RequestVote", "an AppendEntries". */
export function article(type: string): string {
  return `${/^[AEIOU]/.test(type) ? 'an' : 'a'} ${type}`;
}

/** One entry as a reader wants it: "(term 2: set 5, c1#3)". */
export function showEntry(e: Entry): string {
  const c = e.command;
  const op = c.type === 'set' ? `set ${showValue(c.value)}` : c.type === 'cas' ? `cas ${showValue(c.expected)}→${showValue(c.value)}` : c.type;
  const origin = isClientCommand(c) && c.client !== undefined ? `, ${c.client}#${c.requestId}` : '';
  return `(term ${e.term}: ${op}${origin})`;
}

/** A field that differs: its name, the node's value, the reference's (as words, e.g. "3 or less"). */
export interface FieldDiff {
  field: string;
  seen: unknown;
  want: string;
  /** What the reference would send instead of "<field> <want>", where that reads better ("no entry 6 (...)"). */
  phrase?: string;
}

/** The fields among `fields` where `seen` and `want` differ. */
export function diffFields(seen: object, want: object, fields: readonly string[]): FieldDiff[] {
  const s = seen as Record<string, unknown>;
  const w = want as Record<string, unknown>;
  return fields.filter((f) => s[f] !== w[f]).map((f) => ({ field: f, seen: s[f], want: showValue(w[f]) }));
}

/**
 * "n1 sent an AppendEntries to n2 with leaderCommit 4; the reference would send leaderCommit 3"
 * (several fields are joined with "and"; `context`, e.g. ", after the receive on line 9",
 * follows the node's values).
 */
export function describeDiffs(node: string, msg: Message, diffs: readonly FieldDiff[], context = ''): string {
  const seen = diffs.map((d) => `${d.field} ${showValue(d.seen)}`).join(' and ');
  const want = diffs.map((d) => d.phrase ?? `${d.field} ${d.want}`).join(' and ');
  return `${node} sent ${article(msg.type)} to ${msg.to} with ${seen}${context}; the reference would send ${want}`;
}

/** What the reference sends instead: "the reference sends a RequestVoteResponse to n3 instead", or nothing. */
export function insteadOf(alternatives: readonly MessageBody[]): string {
  if (alternatives.length === 0) return 'the reference sends no response';
  const list = alternatives.map((m) => `${article(m.type)} to ${m.to}`).join(', ');
  return `the reference sends ${list} instead`;
}

/** The fields a response is compared on (conflict hints are free, matchIndex only when logged). */
export function responseFields(msg: Message): string[] {
  if (msg.type === 'RequestVoteResponse' || msg.type === 'PreVoteResponse') return ['term', 'voteGranted'];
  if (msg.type === 'AppendEntriesResponse') return msg.success && msg.matchIndex !== undefined ? ['term', 'success', 'matchIndex'] : ['term', 'success'];
  return ['term'];
}
