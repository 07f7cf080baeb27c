/**
 * The words of a conformance verdict about a message: the field that differs, with the node's
 * value and the reference's; for a message unexpected as a whole, what the reference sends
 * instead, or that it sends nothing. Checked word for word on invalid examples.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TraceValidation } from '../harness/validate/validate-file.js';
import type { TraceLine } from '../src/trace/schema.js';
import { cli } from './helpers/cli.js';
import { applyEdits, type Edit } from './helpers/trace-edits.js';

const INVALID = 'traces/examples/invalid';

/** The first error (line, rule, message) of a trace given as text. */
function firstError(text: string) {
  const lines = text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as TraceLine);
  const v = new TraceValidation({ maxErrors: 1 });
  lines.forEach((l, i) => v.line(l, i + 1));
  const { line, rule, message } = v.finish('edited', { lines: lines.length, bytes: text.length }).errors[0]!;
  return { line, rule, message };
}

const edited = (file: string, edits: Edit[]) => applyEdits(fs.readFileSync(file, 'utf8'), edits).text;

describe('conformance verdicts about messages name what differs', () => {
  it('a leaderCommit beyond the leader\'s commitIndex: both values (raftcheck validate, word for word)', async () => {
    const file = `${INVALID}/conformance.message/leader-commit-ahead.jsonl`;
    const r = await cli('validate', file);
    expect(r.stdout.split('\n')[0]).toBe(`${file}:108: /: n2 sent an AppendEntries to n3 with leaderCommit 3; the reference would send leaderCommit 2 or less (its commitIndex) [conformance.message]`);
  });

  it('a request from a node in the wrong role: its role, and that the reference sends none', () => {
    expect(firstError(fs.readFileSync(`${INVALID}/conformance.message/stale-leader-keeps-acting.jsonl`, 'utf8'))).toEqual({
      line: 37, rule: 'conformance.message',
      message: 'n1 sent an AppendEntries to n3 that the reference would not send: it is follower in term 2, not leader, and sends no AppendEntries',
    });
  });

  it('a RequestVote with another log position: each field that differs', () => {
    const text = edited('traces/examples/valid/near-miss-term-jump.jsonl', [
      { at: { kind: 'send', node: 'n3', msg: { id: 'n3-29' } }, set: { 'msg.lastLogIndex': 2, 'msg.lastLogTerm': 2 } },
      { at: { kind: 'receive', msg: { id: 'n3-29' } }, set: { 'msg.lastLogIndex': 2, 'msg.lastLogTerm': 2 } },
    ]);
    expect(firstError(text)).toEqual({
      line: 106, rule: 'conformance.message',
      message: 'n3 sent a RequestVote to n1 with lastLogIndex 2 and lastLogTerm 2; the reference would send lastLogIndex 1 and lastLogTerm 1',
    });
  });

  it('an AppendEntries whose entry is not the leader\'s: the entry, and the leader\'s', () => {
    const text = edited('traces/examples/valid/near-miss-follower-catches-up.jsonl', [
      { at: { kind: 'send', node: 'n2', msg: { to: 'n3', prevLogIndex: 1, entries: [{ term: 1 }] } }, set: { 'msg.entries.0.command.value': 7 } },
      { at: { kind: 'receive', node: 'n3', msg: { prevLogIndex: 1, entries: [{ term: 1 }] } }, set: { 'msg.entries.0.command.value': 7 } },
    ]);
    expect(firstError(text)).toEqual({
      line: 108, rule: 'conformance.message',
      message: 'n2 sent an AppendEntries to n3 with entry 2 (term 1: set 7, c1#2); the reference would send entry 2 (term 1: set 2, c1#2)',
    });
  });

  it('an AppendEntries with an entry beyond the leader\'s log: that the reference has none', () => {
    const extra = { term: 1, command: { type: 'set', value: 4, client: 'c1', requestId: 4 } };
    const three = { term: 1, command: { type: 'set', value: 3, client: 'c1', requestId: 3 } };
    const text = edited('traces/examples/valid/near-miss-follower-catches-up.jsonl', [
      { at: { kind: 'send', node: 'n2', msg: { to: 'n3', prevLogIndex: 2, entries: [{ term: 1 }] } }, set: { 'msg.entries': [three, extra] } },
      { at: { kind: 'receive', node: 'n3', msg: { prevLogIndex: 2, entries: [{ term: 1 }] } }, set: { 'msg.entries': [three, extra] } },
    ]);
    expect(firstError(text)).toMatchObject({
      rule: 'conformance.message',
      message: 'n2 sent an AppendEntries to n3 with entry 4 (term 1: set 4, c1#4); the reference would send no entry 4 (its log ends at index 3)',
    });
  });

  it('a response with another answer: the field and both values (raftcheck validate, word for word)', async () => {
    const file = `${INVALID}/conformance.unexpected/grant-vote-without-voting.jsonl`;
    const r = await cli('validate', file);
    expect(r.stdout.split('\n')[0]).toBe(`${file}:41: /: n3 sent a RequestVoteResponse to n2 with voteGranted true, after the receive on line 39; the reference would send voteGranted false [conformance.unexpected]`);
  });

  it('a response of the wrong kind: what the reference sends instead', () => {
    const text = edited(`${INVALID}/conformance.unexpected/grant-vote-without-voting.jsonl`, [
      { at: { kind: 'send', node: 'n3', msg: { type: 'RequestVoteResponse', to: 'n2', term: 2 } }, set: { 'msg.type': 'AppendEntriesResponse', 'msg.success': false }, unset: ['msg.voteGranted'] },
    ]);
    expect(firstError(text)).toEqual({
      line: 41, rule: 'conformance.unexpected',
      message: 'n3 sent an AppendEntriesResponse to n2 that the reference would not send after the receive on line 39: the reference sends a RequestVoteResponse to n2 instead',
    });
  });

  it('a response on top of the one the reference sends: that it sends nothing more', () => {
    const text = edited('traces/examples/valid/election-3.jsonl', [
      { after: { kind: 'send', node: 'n2', msg: { type: 'RequestVoteResponse' } }, insert: { kind: 'send', msg: { id: 'extra', type: 'RequestVoteResponse', from: 'n2', to: 'n1', term: 1, voteGranted: true } } },
    ]);
    const error = firstError(text);
    expect(error.rule).toBe('conformance.unexpected');
    expect(error.message).toMatch(/^n2 sent a RequestVoteResponse to n1 that the reference would not send after the receive on line \d+: the reference sends no response$/);
  });
});
