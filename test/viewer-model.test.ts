import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeStatechart } from '../src/raft/diagram.js';
import { transitionRows } from '../src/raft/transitions.js';
import type { NodeState, TraceEvent, TraceLine } from '../src/trace/schema.js';
import { DEFAULT_SIMULATION, simulate } from '../harness/simulator/simulate.js';
import { MemorySink } from '../harness/trace/sink.js';
import { validateTraceFile } from '../harness/validate/validate-file.js';
import { renderReport, scriptSafeJson } from '../harness/viewer/html.js';
import { buildViewModel, UndrawableTraceError, type StateTuple, type ViewModel } from '../harness/viewer/model.js';
import { describeEvent, describeMessage, shortMessage } from '../harness/viewer/describe.js';

const VALID = 'traces/examples/valid';
const INVALID = 'traces/examples/invalid';
const validFiles = fs.readdirSync(VALID).filter((f) => f.endsWith('.jsonl')).sort().map((f) => path.join(VALID, f));
const expectedInvalid = JSON.parse(fs.readFileSync('traces/examples/expected-invalid.json', 'utf8')) as Record<string, { line: number; rule: string }>;
const d = describeStatechart();
const row = (from: string, event: string, guard: string | null = null) => d.transitions.findIndex((t) => t.from === from && t.event === event && t.guard === guard);

function absolute(deltas: number[]): number[] {
  let sum = 0;
  return deltas.map((x) => (sum += x));
}

function writeTrace(lines: object[]): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'raftcheck-view-')), 'trace.jsonl');
  fs.writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  return file;
}

/** The transitions recorded for event `i`. */
function stepsOf(m: ViewModel, i: number): number[] | undefined {
  for (let p = 0; p < m.steps.length; p += 2 + m.steps[p + 1]!) if (m.steps[p] === i) return m.steps.slice(p + 2, p + 2 + m.steps[p + 1]!);
  return undefined;
}

const FIELDS: Array<[keyof NodeState, number]> = [['role', 0], ['term', 1], ['votedFor', 2], ['commitIndex', 3], ['lastApplied', 4], ['lastLogIndex', 5], ['lastLogTerm', 6], ['value', 7]];

describe('the viewer model of a trace', () => {
  it('keeps every event in order, with its line, time, node and the logged state', () => {
    for (const file of validFiles) {
      const lines = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TraceLine);
      const m = buildViewModel(file);
      expect(m.verdict.valid).toBe(true);
      expect(m.focus).toBe(0);
      const events = lines.slice(1);
      expect(m.events.kind).toHaveLength(events.length);
      expect(absolute(m.events.line)).toEqual(events.map((_, i) => i + 2));
      // An event without a time (a note) repeats the time of the event before it.
      let previous = 0;
      expect(absolute(m.events.time)).toEqual(events.map((e) => (previous = 'time' in e && e.time !== undefined ? e.time : previous)));
      events.forEach((e, i) => {
        expect(m.kinds[m.events.kind[i]!]).toBe(e.kind);
        expect(m.events.node[i]).toBe('node' in e && e.node !== undefined ? m.nodes.indexOf(e.node) : -1);
        const state = 'state' in e ? e.state : undefined;
        if (!state) return;
        const tuple = m.states[m.events.state[i]!]!;
        for (const [field, k] of FIELDS) if (state[field] !== undefined) expect([file, i, field, tuple[k]]).toEqual([file, i, field, state[field]]);
      });
    }
  });

  it('pairs every receive with its send, and names the statechart transitions of each step', () => {
    const m = buildViewModel(path.join(VALID, 'election-and-writes-3.jsonl'));
    m.events.kind.forEach((k, i) => {
      if (m.kinds[k] !== 'receive') return;
      const msg = m.events.msg[i]!;
      expect(msg).toBeGreaterThanOrEqual(0);
      expect(m.messages.recv[msg] === i || m.extraReceives.includes(i)).toBe(true);
      expect(m.messages.send[msg]!).toBeLessThan(i);
    });
    // Line 2: n1's election timeout; line 16 (n2's vote reaches n1): countVote, then the majority makes it leader.
    expect(stepsOf(m, 0)).toEqual([row('follower', 'ELECTION_TIMEOUT')]);
    expect(stepsOf(m, 14)).toEqual([row('candidate', 'RequestVoteResponse', 'isVoteForCurrentTerm'), row('candidate', '(always)', 'hasVoteMajority')]);
    expect(stepsOf(m, 1)).toBeUndefined(); // `role candidate` is an effect of line 2's step, not a step
    expect(m.transitions[row('candidate', '(always)', 'hasVoteMajority')]).toEqual({ from: 'candidate', to: 'leader', label: '(always) [hasVoteMajority]' });
  });

  it('folds state changes into states for traces that log no state, and tracks logs through truncation and restart', () => {
    const header = { kind: 'header', format: 'raftcheck-trace', version: 1, nodes: ['n1', 'n2'], producer: { name: 'test', version: '1' }, seed: 'abc' };
    const set = (v: number) => ({ type: 'set', value: v });
    const rv = { id: 'm1', from: 'n1', to: 'n2', term: 2, type: 'RequestVote', candidateId: 'n1', lastLogIndex: 1, lastLogTerm: 1 };
    const ae = { id: 'm2', from: 'n1', to: 'n2', term: 2, type: 'AppendEntries', leaderId: 'n1', prevLogIndex: 1, prevLogTerm: 1, entries: [], leaderCommit: 0 };
    const file = writeTrace([
      header,
      { kind: 'term', node: 'n1', seq: 0, time: 10, term: 2 },
      { kind: 'vote', node: 'n1', seq: 1, time: 10, votedFor: 'n1' },
      { kind: 'append', node: 'n1', seq: 2, time: 11, index: 1, entries: [{ term: 1, command: set(1) }, { term: 2, command: set(2) }] },
      { kind: 'truncate', node: 'n1', seq: 3, time: 12, fromIndex: 2 },
      { kind: 'append', node: 'n1', seq: 4, time: 12, index: 2, entries: [{ term: 2, command: { type: 'get' } }] },
      { kind: 'commit', node: 'n1', seq: 5, time: 13, commitIndex: 1 },
      { kind: 'apply', node: 'n1', seq: 6, time: 13, index: 1, command: set(1), value: 1, result: 'ok' },
      { kind: 'crash', node: 'n1', seq: 7, time: 14 },
      { kind: 'restart', node: 'n1', seq: 8, time: 20, persisted: { term: 2, votedFor: 'n1', log: [{ term: 1, command: set(1) }] } },
      { kind: 'partition', seq: 0, time: 21, groups: [['n1'], ['n2']] },
      { kind: 'send', node: 'n1', seq: 9, time: 21, msg: rv },
      { kind: 'drop', seq: 1, time: 22, msgId: 'm1', reason: 'partition' },
      { kind: 'heal', seq: 2, time: 30 },
      { kind: 'send', node: 'n1', seq: 10, time: 31, msg: ae },
      { kind: 'duplicate', seq: 3, time: 31, msgId: 'm2' },
      { kind: 'receive', node: 'n2', seq: 0, time: 33, msg: ae },
      { kind: 'receive', node: 'n2', seq: 1, time: 34, msg: ae },
      { kind: 'note', text: 'closing tag </script><script>window.pwned=1</script> <!-- here' },
    ]);
    const m = buildViewModel(file, { title: 'synthetic' });
    const states = m.events.state.map((s) => (s < 0 ? null : m.states[s]!));
    const s = (role: string, term: number, vote: string | null, commit: number, applied: number, li: number, lt: number, value: number | null): StateTuple => [role, term, vote, commit, applied, li, lt, value];
    expect(states.slice(0, 10)).toEqual([
      s('follower', 2, null, 0, 0, 0, 0, null),
      s('follower', 2, 'n1', 0, 0, 0, 0, null),
      s('follower', 2, 'n1', 0, 0, 2, 2, null),
      s('follower', 2, 'n1', 0, 0, 1, 1, null),
      s('follower', 2, 'n1', 0, 0, 2, 2, null),
      s('follower', 2, 'n1', 1, 0, 2, 2, null),
      s('follower', 2, 'n1', 1, 1, 2, 2, 1),
      s('crashed', 2, 'n1', 1, 1, 2, 2, 1),
      s('follower', 2, 'n1', 0, 0, 1, 1, null),
      null, // the partition: a network event
    ]);
    const text = (k: number) => m.texts[k];
    const log = m.logs[0]!;
    const entries = [];
    for (let p = 0; p < log.length; p += 5) entries.push([log[p], log[p + 1], text(log[p + 2]!), log[p + 3], log[p + 4]]);
    expect(entries).toEqual([
      [1, 1, 'set 1', 2, 8], // replaced by the restart's persisted log (same entry, re-read)
      [2, 2, 'set 2', 2, 3], // truncated
      [2, 2, 'get', 4, 8],
      [1, 1, 'set 1', 8, -1],
    ]);
    expect(m.logs[1]).toEqual([]);
    // Messages: m1 dropped, m2 delivered twice (duplicated).
    expect(m.messages.send).toEqual([10, 13]);
    expect(m.messages.recv).toEqual([-1, 15]);
    expect(m.messages.drop).toEqual([11, -1]);
    expect(m.extraReceives).toEqual([1, 16]);
    expect(m.messageTypes[m.messages.type[0]!]).toBe('RequestVote');
    expect(m.messageTypes[m.messages.type[1]!]).toBe('heartbeat');
    expect(m.events.msg.slice(10, 17)).toEqual([0, 0, -1, 1, 1, 1, 1]);
    expect(text(m.events.text[9]!)).toBe('partition {n1} | {n2}');
    expect(text(m.events.text[11]!)).toBe('dropped (partition)');
    expect(m.seed).toBe('abc');
    expect(m.title).toBe('synthetic');
    // The note's closing tags cannot end the data element, and the data still reads back intact.
    const html = renderReport(m);
    expect(html).not.toContain('</script><script>window.pwned');
    expect(html).not.toContain('<!-- here');
    const data = /<script type="application\/json" id="trace-data">([^]*?)<\/script>/.exec(html)![1]!;
    expect((JSON.parse(data) as ViewModel).texts).toContain('note: closing tag </script><script>window.pwned=1</script> <!-- here');
  });

  it('of a long faulty run equals a direct reading of it (states, texts, statechart steps), however it is indexed', () => {
    // 5 nodes, crashes and restarts, partitions, losses, duplicates, clients: every path of the builder.
    const sink = new MemorySink();
    simulate({ ...DEFAULT_SIMULATION, nodes: 5, seed: 3, durationMs: 10_000, drop: 0.05, duplicate: 0.05, partitionEvery: 2000, crashEvery: 3000, clients: 3 }, sink);
    const file = writeTrace(sink.lines);
    const m = buildViewModel(file);
    const events = sink.lines.slice(1) as TraceEvent[];
    expect(m.events.kind).toHaveLength(events.length);
    // The obvious fold: a fresh tuple per event from the previous one, the event's own change, then its logged state.
    const lanes = new Map<string, StateTuple>(m.nodes.map((n) => [n, ['follower', 0, null, 0, 0, 0, 0, null]]));
    const logs = new Map<string, Array<{ term: number }>>(m.nodes.map((n) => [n, []]));
    const expected = events.map((e) => {
      const text = describeEvent(e);
      if (!('node' in e) || e.node === undefined) return { text, state: null };
      const t: StateTuple = [...lanes.get(e.node)!];
      const log = logs.get(e.node)!;
      if (e.kind === 'role') t[0] = e.role;
      if (e.kind === 'term') [t[1], t[2]] = [e.term, null];
      if (e.kind === 'vote') t[2] = e.votedFor;
      if (e.kind === 'append') log.splice(e.index - 1, Infinity, ...e.entries);
      if (e.kind === 'truncate') log.splice(e.fromIndex - 1);
      if (e.kind === 'commit') t[3] = e.commitIndex;
      if (e.kind === 'apply') [t[4], t[7]] = [e.index, e.value === undefined ? t[7] : e.value];
      if (e.kind === 'crash') t[0] = 'crashed';
      if (e.kind === 'restart') {
        [t[0], t[3], t[4], t[7]] = ['follower', 0, 0, null];
        if (e.persisted) [t[1], t[2]] = [e.persisted.term, e.persisted.votedFor];
        if (e.persisted) log.splice(0, Infinity, ...e.persisted.log);
      }
      if (['append', 'truncate', 'restart'].includes(e.kind)) [t[5], t[6]] = [log.length, log.at(-1)?.term ?? 0];
      const logged = 'state' in e ? e.state : undefined;
      for (const [field, k] of FIELDS) if (logged?.[field] !== undefined) t[k] = logged[field] as never;
      lanes.set(e.node, t);
      return { text, state: t };
    });
    expect(events.map((_, i) => ({ text: m.texts[m.events.text[i]!] ?? null, state: m.events.state[i]! < 0 ? null : m.states[m.events.state[i]!] }))).toEqual(expected);
    // The steps: every transition the checker's shadows report, by event, in order.
    const lineToEvent = new Map(events.map((_, i) => [i + 2, i]));
    const rows = transitionRows(describeStatechart());
    const byEvent = new Map<number, number[]>();
    validateTraceFile(file, { onTransition: (_node, line, t) => void byEvent.set(lineToEvent.get(line)!, [...(byEvent.get(lineToEvent.get(line)!) ?? []), rows(t)]) });
    const flat = [...byEvent].sort((a, b) => a[0] - b[0]).flatMap(([event, r]) => [event, r.length, ...r]);
    expect(m.steps).toEqual(flat);
    expect(byEvent.size).toBeGreaterThan(1000);
  });

  it('opens an invalid trace on its first violation; refuses a trace without a header in one line', () => {
    let drawn = 0;
    for (const [name, want] of Object.entries(expectedInvalid)) {
      const file = path.join(INVALID, name);
      let m: ViewModel;
      try {
        m = buildViewModel(file);
      } catch (error) {
        expect(error).toBeInstanceOf(UndrawableTraceError);
        expect((error as Error).message).toMatch(new RegExp(`^${file.replace(/[.]/g, '\\.')}:1: .*\\[schema\\.(header|parse|shape)\\]: cannot draw a trace without its header$`));
        expect(want.line).toBe(1);
        continue;
      }
      drawn++;
      expect(m.verdict.valid).toBe(false);
      expect(m.verdict.errors).toContainEqual(expect.objectContaining({ rule: want.rule, line: want.line }));
      const first = m.verdict.errors.find((e) => e.rule !== 'unconstrained') ?? m.verdict.errors[0]!;
      expect(first.line).toBe(Math.min(...m.verdict.errors.map((e) => e.line)));
      expect(m.focus).toBe(first.rule === 'unconstrained' ? 0 : first.event);
      const lines = absolute(m.events.line);
      if (first.exact) expect(lines[first.event]).toBe(first.line);
      else expect(first.event === 0 || lines[first.event]! < first.line).toBe(true);
    }
    expect(drawn).toBeGreaterThan(20);
    const fig8 = buildViewModel(path.join(INVALID, 'commit-current-term/figure-8-commit-old-term-by-counting.jsonl'));
    expect(absolute(fig8.events.line)[fig8.focus]).toBe(48);
    expect(fig8.verdict.errors.filter((e) => e.line === 48).map((e) => e.rule)).toContain('commit-current-term');
  });

  it('the report is self-contained: no external scripts, styles or links', () => {
    const html = renderReport(buildViewModel(validFiles[0]!));
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/\b(src|href)\s*=/i);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/@import|url\(/);
    expect(html.match(/<script\b/g)).toHaveLength(2);
    expect(Buffer.byteLength(html)).toBeLessThan(80 * 1024);
  });

  it('describes messages and events in a few words', () => {
    const ae = { id: 'x', from: 'n1', to: 'n2', term: 3, type: 'AppendEntries' as const, leaderId: 'n1', prevLogIndex: 4, prevLogTerm: 2, entries: [{ term: 3, command: { type: 'noop' as const } }], leaderCommit: 4 };
    expect(describeMessage(ae)).toBe('AppendEntries t3 prev 4/t2, 1 entry, commit 4');
    expect(shortMessage(ae)).toBe('AE +1 →n2');
    const aer = { id: 'y', from: 'n2', to: 'n1', term: 3, type: 'AppendEntriesResponse' as const, success: false, conflictIndex: 3, conflictTerm: 2 };
    expect(describeMessage(aer)).toBe('AppendEntriesResponse t3 refused (conflict at 3/t2)');
    expect(shortMessage(aer)).toBe('✗ 3 →n1');
    expect(describeMessage({ id: 'z', from: 'n2', to: 'n1', term: 3, type: 'RequestVoteResponse', voteGranted: false })).toBe('RequestVoteResponse t3 refused');
    expect(describeEvent({ kind: 'client_response', node: 'n1', seq: 1, time: 0, client: 'c1', requestId: 4, result: { status: 'not_leader', leaderHint: 'n2' } })).toBe('c1#4 ← not leader (try n2)');
    expect(describeEvent({ kind: 'client_response', node: 'n1', seq: 1, time: 0, client: 'c1', requestId: 5, result: { status: 'cas_failed', value: 3 } })).toBe('c1#5 ← cas failed 3');
    expect(describeEvent({ kind: 'client_request', node: 'n1', seq: 1, time: 0, client: 'c1', requestId: 6, op: { type: 'cas', expected: null, value: 1 } })).toBe('c1#6 asks cas null→1');
    expect(describeEvent({ kind: 'partition', seq: 1, time: 0, blocked: [{ from: 'n1', to: 'n2' }] })).toBe('partition n1↛n2');
    expect(describeEvent({ kind: 'append', node: 'n1', seq: 1, time: 0, index: 3, entries: [1, 2, 3, 4].map((v) => ({ term: 2, command: { type: 'set' as const, value: v } })) })).toBe('append 3..6 (t2): set 1, set 2, set 3, …');
  });
});
