/**
 * Conformance and what a trace leaves out (spec/TRACE_FORMAT.md, "What a trace may leave
 * out"; spec/CONFORMANCE.md): a kind of state change a node never logs is no missing step,
 * but one it logs elsewhere is; a client request left out is a hidden step where the trace
 * logs none; a restart that does not log what the node recovered leaves it to the invariants.
 * The property tests (test/sparsification-property.test.ts) try every freedom at random; these
 * show each on one run.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TraceValidation } from '../harness/validate/validate-file.js';
import type { TraceLine } from '../src/trace/schema.js';
import { scriptedCluster } from './helpers/scripted-cluster.js';

function errors(lines: readonly TraceLine[]) {
  const v = new TraceValidation({ maxErrors: 5 });
  lines.forEach((l, i) => v.line(l, i + 1));
  return v.finish('t', { lines: lines.length, bytes: 0 }).errors.map(({ line, rule, message }) => ({ line, rule, message }));
}

/** n1 is elected in term 1 and commits a write; n2 then stands in term 2 and wins. */
function run(): TraceLine[] {
  const s = scriptedCluster(['n1', 'n2', 'n3'], 'omissions');
  s.elect('n1');
  s.request('n1', 'c1', { type: 'set', value: 1 });
  s.heartbeat('n1');
  s.heartbeat('n1');
  s.elect('n2');
  return s.lines();
}

const lineOf = (lines: readonly TraceLine[], which: (l: TraceLine) => boolean) => lines.findIndex(which) + 1;

describe('conformance with kinds of events left out', () => {
  it('a node that logs none of its votes is not missing them; one that logs some is missing the others', () => {
    const lines = run();
    expect(errors(lines)).toEqual([]);
    const isVote = (l: TraceLine) => l.kind === 'vote' && l.node === 'n3';
    expect(errors(lines.filter((l) => !isVote(l)))).toEqual([]);
    // n3 logs its vote of term 2, not that of term 1: the one of term 1 is missing, reported at
    // n3's next input (where a step ends), once its later vote shows that it logs votes.
    const first = lines.findIndex((l) => isVote(l) && l.kind === 'vote' && l.votedFor === 'n1');
    const without = lines.filter((_l, i) => i !== first);
    const nextInput = without.findIndex((l, i) => i >= first && (l.kind === 'receive' || l.kind === 'timeout' || l.kind === 'client_request') && l.node === 'n3');
    expect(errors(without)[0]).toMatchObject({ rule: 'conformance.missing', line: nextInput + 1, message: expect.stringContaining('did not log "vote n1"') });
  });

  it('a leader\'s append of a client command is a hidden client request where the trace logs none, and unexpected where it logs them', () => {
    const lines = run();
    expect(errors(lines.filter((l) => l.kind !== 'client_request'))).toEqual([]);
    // The trace logs client requests, but not c2's, whose command n1 appends: nobody asked.
    const append = lines.find((l) => l.kind === 'append' && l.node === 'n1')!;
    const forged = lines.map((l) => (l === append && l.kind === 'append' ? { ...l, entries: [{ ...l.entries[0]!, command: { type: 'set' as const, value: 9, client: 'c2', requestId: 7 } }] } : l));
    expect(errors(forged)[0]).toMatchObject({ rule: 'conformance.unexpected', line: lineOf(forged, (l) => l.kind === 'append' && l.node === 'n1') });
  });

  it('a restart that does not log what the node recovered leaves it to the invariants, which still hold its logged state', () => {
    const s = scriptedCluster(['n1', 'n2', 'n3'], 'restart');
    s.elect('n1');
    s.request('n1', 'c1', { type: 'set', value: 1 });
    s.heartbeat('n1');
    s.crash('n3');
    s.restart('n3');
    s.heartbeat('n1');
    const withoutPersisted = (l: TraceLine): TraceLine => (l.kind === 'restart' ? (({ persisted: _p, ...rest }) => rest)(l) : l);
    // The shadow cannot rebuild n3 (it may have lost entries it had not stored): no guess, no alarm.
    expect(errors(s.lines().map(withoutPersisted))).toEqual([]);
    // n3 had acknowledged index 1: a restart whose logged state shows a shorter log lost it.
    const lost = s.lines().map(withoutPersisted).map((l) => (l.kind === 'restart' && l.state ? { ...l, state: { ...l.state, lastLogIndex: 0, lastLogTerm: 0 } } : l));
    expect(errors(lost)[0]).toMatchObject({ rule: 'acknowledged-durable', line: lineOf(lost, (l) => l.kind === 'restart') });
  });
});

describe('a new leader\'s no-op (hidden step 6) from a leader that logs its messages only', () => {
  // sparsification-property found it on near-miss-etcd-style.jsonl: n1's appends left out (a
  // producer logs a kind of state change per node all or none), its no-op showed only in the
  // AppendEntries carrying it.
  const example = fs.readFileSync('traces/examples/valid/near-miss-etcd-style.jsonl', 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TraceLine);
  const messagesOnly = example.filter((l) => !(l.kind === 'append' && l.node === 'n1'));

  it('is taken from the first AppendEntries that carries it', () => {
    expect(example.some((l) => l.kind === 'append' && l.node === 'n1' && l.entries[0]!.command.type === 'noop')).toBe(true);
    expect(errors(messagesOnly)).toEqual([]);
  });

  it('only a no-op of the leader\'s term, right after its log: one of an earlier term is still an entry the reference does not have', () => {
    const first = messagesOnly.findIndex((l) => l.kind === 'send' && l.msg.type === 'AppendEntries' && l.msg.entries.some((x) => x.command.type === 'noop'));
    const send = messagesOnly[first] as Extract<TraceLine, { kind: 'send' }> & { msg: { type: 'AppendEntries' } };
    const msg = { ...send.msg, entries: send.msg.entries.map((x) => ({ ...x, term: x.term - 1 })) };
    const found = errors(messagesOnly.map((l) => ((l.kind === 'send' || l.kind === 'receive') && l.msg.id === msg.id ? { ...l, msg } : l)));
    expect(found[0]).toMatchObject({ line: first + 1, rule: 'conformance.message' });
  });
});

describe('an election lost (hidden step 8) by a node that logs no role changes', () => {
  // sparsification-property found it on near-miss-etcd-style.jsonl: n1's `role follower` left
  // out, its concession showed only in the state of its next input.
  const example = fs.readFileSync('traces/examples/valid/near-miss-etcd-style.jsonl', 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TraceLine);
  const noRoles = example.filter((l) => !(l.kind === 'role' && l.node === 'n1'));

  it('is taken where an input\'s state shows it a follower, once enough servers refused it', () => {
    expect(example.some((l) => l.kind === 'role' && l.node === 'n1' && l.role === 'follower')).toBe(true);
    expect(errors(noRoles)).toEqual([]);
  });

  it('with one refusal received of the two it needs, that state still differs', () => {
    const refusals = noRoles.filter((l) => l.kind === 'receive' && l.node === 'n1' && l.msg.type === 'RequestVoteResponse' && !l.msg.voteGranted && l.msg.term === 1);
    expect(refusals).toHaveLength(2);
    const found = errors(noRoles.filter((l) => l !== refusals[1]));
    expect(found[0]).toMatchObject({ rule: 'conformance.state', message: expect.stringMatching(/^n1's logged state disagrees with the reference: role "follower" \(reference: "candidate"\)/) });
  });
});

describe('an AppendEntries below the commit index, skipped (hidden step 7), where the receive logs no commitIndex', () => {
  // sparsification-property found it on near-miss-etcd-style.jsonl: the receive of the stale
  // AppendEntries n2 skips lost its state; the shadow's commitIndex stands in for it.
  const example = fs.readFileSync('traces/examples/valid/near-miss-etcd-style.jsonl', 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TraceLine);
  const receives = example.flatMap((l, i) => (l.kind === 'receive' && l.node === 'n2' && l.msg.id === 'n1-15' ? [i] : []));
  const stale = receives[1]!;
  const stripped = example.map((l, i) => (i === stale ? (({ state: _, ...rest }) => rest)(l as Extract<TraceLine, { kind: 'receive' }>) as TraceLine : l));

  it('is taken all the same: the answer at the commit index shows it', () => {
    expect(receives).toHaveLength(2);
    expect((example[stale] as Extract<TraceLine, { kind: 'receive' }>).state?.commitIndex).toBe(2);
    expect(errors(stripped)).toEqual([]);
  });

  it('an answer beyond the commit index is still no skip', () => {
    const answer = stale + 1;
    const l = stripped[answer] as Extract<TraceLine, { kind: 'send' }>;
    expect(l.msg).toMatchObject({ type: 'AppendEntriesResponse', success: true, matchIndex: 2 });
    const msg = { ...l.msg, matchIndex: 3 };
    const found = errors(stripped.map((x) => ((x.kind === 'send' || x.kind === 'receive') && x.msg.id === msg.id ? { ...x, msg } : x)));
    expect(found[0]).toMatchObject({ line: answer + 1, rule: 'conformance.unexpected' });
  });
});

describe('an election lost (hidden step 8) shown only in the state of an output', () => {
  // sparsification-property found it on near-miss-etcd-style.jsonl: n1's `role follower` and the
  // role in its next input's state left out, the concession showed only in the state of its refusal.
  const example = fs.readFileSync('traces/examples/valid/near-miss-etcd-style.jsonl', 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TraceLine);
  const withoutRoleOfInputs = (lines: TraceLine[]) => lines
    .filter((l) => !(l.kind === 'role' && l.node === 'n1'))
    .map((l) => (l.kind === 'receive' && l.node === 'n1' && l.state ? { ...l, state: { ...l.state, role: undefined } } : l))
    .map((l) => JSON.parse(JSON.stringify(l)) as TraceLine);
  const noRoles = withoutRoleOfInputs(example);
  const refusalAsFollower = noRoles.findIndex((l) => l.kind === 'send' && l.node === 'n1' && l.msg.type === 'RequestVoteResponse' && l.state?.role === 'follower');

  it('is taken there, once enough servers refused it', () => {
    expect(refusalAsFollower).toBeGreaterThan(0);
    expect(errors(noRoles)).toEqual([]);
  });

  it('with one refusal received of the two it needs, that state still differs', () => {
    const refusals = noRoles.filter((l) => l.kind === 'receive' && l.node === 'n1' && l.msg.type === 'RequestVoteResponse' && !l.msg.voteGranted && l.msg.term === 1);
    expect(refusals).toHaveLength(2);
    const found = errors(noRoles.filter((l) => l !== refusals[1]));
    expect(found[0]).toMatchObject({ rule: 'conformance.state', message: expect.stringMatching(/^n1's logged state disagrees with the reference: role "follower" \(reference: "candidate"\)/) });
  });
});
