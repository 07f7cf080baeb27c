/**
 * Conformance and what a trace leaves out (spec/TRACE_FORMAT.md, "What a trace may leave
 * out"; spec/CONFORMANCE.md): a kind of state change a node never logs is no missing step,
 * but one it logs elsewhere is; a client request left out is a hidden step where the trace
 * logs none; a restart that does not log what the node recovered leaves it to the invariants.
 * The property tests (test/sparsification-property.test.ts) try every freedom at random; these
 * show each on one run.
 */
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
