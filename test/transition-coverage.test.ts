import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRandom } from '../src/random.js';
import { describeStatechart, toDot, toJson, toMermaid, toTable } from '../src/raft/diagram.js';
import { raftNodeMachine } from '../src/raft/node-machine.js';
import { createReferenceNode } from '../src/raft/node.js';
import { transitionRows, type TakenTransition } from '../src/raft/transitions.js';
import { DEFAULT_NODE_CONFIG } from '../src/raft/types.js';
import type { Header, TraceLine } from '../src/trace/schema.js';
import { MalformedTraceError, measureCoverage } from '../harness/statechart/transition-coverage.js';
import { GraphvizError, renderDot } from '../harness/io/graphviz.js';
import { cli } from './helpers/cli.js';

const d = describeStatechart();
const rowOf = transitionRows(d);
const VALID = 'traces/examples/valid';
const readHeader = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8').split('\n')[0]!) as { features?: string[] };
const allValidFiles = fs.readdirSync(VALID).filter((f) => f.endsWith('.jsonl')).sort().map((f) => path.join(VALID, f));
/** The traces of the base chart (Figure 2): those whose header declares no feature. */
const validFiles = allValidFiles.filter((f) => !readHeader(f).features?.length);
const row = (from: string, event: string, guard: string | null = null) => d.transitions.findIndex((t) => t.from === from && t.event === event && t.guard === guard);

function node(taken: TakenTransition[], machine = raftNodeMachine) {
  const n = createReferenceNode({ ...DEFAULT_NODE_CONFIG, id: 'n1', members: ['n1', 'n2', 'n3'] }, { random: createRandom(1), machine, onTransition: (t) => taken.push(t) });
  n.start();
  return n;
}

const readTrace = (file: string) => fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TraceLine);
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'raftcheck-coverage-'));

describe('transitions a reference node takes', () => {
  it('are reported in order, including the eventless one and a re-raised message', () => {
    const taken: TakenTransition[] = [];
    const n = node(taken);
    expect(taken).toEqual([]); // starting is entering the initial state, not a transition
    n.step({ type: 'timeout', timer: 'election' });
    n.step({ type: 'receive', msg: { id: 'a', type: 'RequestVoteResponse', from: 'n2', to: 'n1', term: 1, voteGranted: true } });
    expect(taken.map((t) => d.transitions[rowOf(t)])).toEqual([
      d.transitions[row('follower', 'ELECTION_TIMEOUT')],
      d.transitions[row('candidate', 'RequestVoteResponse', 'isVoteForCurrentTerm')],
      d.transitions[row('candidate', '(always)', 'hasVoteMajority')],
    ]);
    taken.length = 0;
    // A higher-term AppendEntries makes the leader step down, then the follower handles it.
    n.step({ type: 'receive', msg: { id: 'b', type: 'AppendEntries', from: 'n2', to: 'n1', term: 5, leaderId: 'n2', prevLogIndex: 0, prevLogTerm: 0, entries: [], leaderCommit: 0 } });
    expect(taken.map(rowOf)).toEqual([row('leader', 'AppendEntries', 'hasHigherTerm'), row('follower', 'AppendEntries', 'logMatches')]);
    expect(taken[0]).toMatchObject({ from: 'leader', to: 'follower', position: 0 });
    expect(taken[1]).toMatchObject({ from: 'follower', to: null, position: 2 });
  });

  it('map to the same diagram rows for a variant of the machine (the bug catalogue)', () => {
    const variant = raftNodeMachine.provide({ guards: { canGrantVote: () => false } });
    const taken: TakenTransition[] = [];
    const n = node(taken, variant);
    n.step({ type: 'receive', msg: { id: 'a', type: 'RequestVote', from: 'n2', to: 'n1', term: 0, candidateId: 'n2', lastLogIndex: 0, lastLogTerm: 0 } });
    expect(taken.map(rowOf)).toEqual([row('follower', 'RequestVote')]); // refused: the last transition of the list
  });

  it('an unknown transition maps to no row', () => {
    expect(rowOf({ from: 'nowhere', event: 'X', position: 0, to: null })).toBe(-1);
  });
});

describe('transition coverage of traces', () => {
  it('counts what the trace shows: election timeouts of followers, heartbeats and client requests at leaders', () => {
    // Traces that log their election timeouts (the others leave them as hidden steps, below),
    // and whose header does not declare conformance not checked (their nodes are not replayed).
    const replayed = (f: string) => !(readTrace(f)[0] as Header).skipRules?.some((s) => s.rule.startsWith('conformance.'));
    const timed = validFiles.filter((f) => replayed(f) && readTrace(f).some((l) => l.kind === 'timeout' && l.timer === 'election'));
    const declared = 'traces/examples/valid/skip-rules-leader-campaigns.jsonl';
    expect(measureCoverage([declared]).files[0]).toMatchObject({ steps: 0, notReplayed: ['conformance.unexpected', 'conformance.missing', 'conformance.state', 'conformance.message'] });
    expect(timed.length).toBeGreaterThanOrEqual(10);
    const result = measureCoverage(timed);
    expect(result.traces).toBe(timed.length);
    const lines = timed.flatMap(readTrace);
    const count = (p: (l: TraceLine) => boolean) => lines.filter(p).length;
    const state = (l: TraceLine) => ('state' in l && l.state ? l.state.role : undefined);
    expect(result.counts[row('follower', 'ELECTION_TIMEOUT')]).toBe(count((l) => l.kind === 'timeout' && l.timer === 'election' && state(l) === 'follower'));
    expect(result.counts[row('leader', 'HEARTBEAT_TIMEOUT')]).toBe(count((l) => l.kind === 'timeout' && l.timer === 'heartbeat'));
    // A new leader's no-op (hidden step 6) is a client request the trace does not show.
    const noops = count((l) => l.kind === 'append' && state(l) === 'leader' && l.entries.length === 1 && l.entries[0]!.command.type === 'noop');
    expect(noops).toBeGreaterThan(0);
    expect(result.counts[row('leader', 'CLIENT_REQUEST')]).toBe(count((l) => l.kind === 'client_request' && state(l) === 'leader') + noops);
    // A lost election (hidden step 8) is the checker's input: it shows as the node's step-down.
    expect(result.counts[row('candidate', 'ELECTION_LOST', 'electionLost')]).toBeGreaterThan(0);
    expect(result.counts[row('follower', 'CLIENT_REQUEST')]).toBe(count((l) => l.kind === 'client_request' && state(l) === 'follower'));
    // Every leader was made by the eventless transition, once per `role leader` line.
    expect(result.counts[row('candidate', '(always)', 'hasVoteMajority')]).toBe(count((l) => l.kind === 'role' && l.role === 'leader'));
    expect(result.counts.reduce((a, b) => a + b, 0)).toBe(result.files.reduce((a, f) => a + f.steps, 0));
    expect(result.files.every((f) => f.violation === null)).toBe(true);
    // The valid examples leave most step-down paths untested: a review aid must say so.
    expect(result.counts[row('leader', 'AppendEntries', 'isStaleTerm')]).toBe(0);
  });

  it('counts a trace that breaks a conformance rule and names the violation', () => {
    const file = 'traces/examples/invalid/conformance.unexpected/vote-for-less-up-to-date-log.jsonl';
    const result = measureCoverage([file]);
    expect(result.files[0]!.violation).toMatchObject({ rule: 'conformance.unexpected', line: 41 });
    expect(result.files[0]!.steps).toBeGreaterThan(0);
  });

  it('refuses a trace with a schema-level error, naming file and line', () => {
    const file = 'traces/examples/invalid/schema.parse/not-json.jsonl';
    expect(() => measureCoverage([file])).toThrow(MalformedTraceError);
    expect(() => measureCoverage([file])).toThrow(new RegExp(`^${file.replace(/[.]/g, '\\.')}:\\d+: not JSON`));
  });

  it('renders counts on every format, never-taken transitions marked', () => {
    const coverage = measureCoverage(validFiles);
    const taken = coverage.counts.filter((n) => n > 0).length;
    const summary = `${taken} of ${d.transitions.length} transitions taken (${Math.round((taken / d.transitions.length) * 100)}%) in ${validFiles.length} traces`;
    const table = toTable(d, coverage);
    const lines = table.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^taken\s+from\s+event\s+guard\s+to\s+actions$/);
    expect(lines.filter((l) => l.startsWith('NEVER TAKEN'))).toHaveLength(d.transitions.length - taken);
    expect(lines.at(-1)).toBe(summary);
    const ft = lines[1 + row('follower', 'ELECTION_TIMEOUT')]!;
    expect(ft).toMatch(new RegExp(`^×${coverage.counts[row('follower', 'ELECTION_TIMEOUT')]}\\s+follower\\s+ELECTION_TIMEOUT\\s+candidate$`));
    const dot = toDot(d, coverage);
    expect(dot).toContain(`label="transition coverage: ${summary}"`);
    expect(dot.match(/ color="#d62728"/g)).toHaveLength(d.transitions.length - taken);
    const leaderBox = dot.split('\n').find((l) => l.startsWith('  "leader" [label=<'))!;
    expect(leaderBox).toContain('<font color="#d62728">AppendEntries [isStaleTerm] / rejectStaleAppend (NEVER TAKEN)</font>');
    expect(leaderBox).toContain(`HEARTBEAT_TIMEOUT / broadcastAppendEntries, armHeartbeatTimer (×${coverage.counts[row('leader', 'HEARTBEAT_TIMEOUT')]})`);
    expect(dot).toMatch(/"candidate" -> "leader" \[label="\(always\) \[hasVoteMajority\] \(×\d+\)", penwidth=\d\.\d\];/);
    expect(toMermaid(d, coverage)).toContain(`note right of follower: ${summary}`);
    const json = JSON.parse(toJson(d, coverage)) as { traces: number; transitions: Array<{ count: number }> };
    expect(json.traces).toBe(validFiles.length);
    expect(json.transitions.map((t) => t.count)).toEqual(coverage.counts);
    // Without counts, the pictures are unchanged (the committed exports depend on it).
    expect(toTable(d).split('\n')[0]).toMatch(/^from\s+event/);
    expect(toDot(d)).not.toContain('NEVER');
    // Only state changes are edges (plus the start arrow); handlers in place are listed in their state's box.
    expect(toDot(d).match(/ -> /g)).toHaveLength(d.transitions.filter((t) => t.to !== null).length + 1);
    expect(toDot(d)).toContain('<tr><td align="left"><font point-size="10">AppendEntries [logMatches] / acceptAppendEntries</font></td></tr>');
  });
});

describe('transition coverage with features', () => {
  it('counts traces that declare features on the chart with them, base transitions and feature transitions alike', () => {
    // Feature heartbeat replaces the leader's heartbeat transition (its actions differ), so the
    // traces of the other features are counted here; heartbeat's own below.
    const featured = allValidFiles.filter((f) => readHeader(f).features?.length && !readHeader(f).features!.includes('heartbeat'));
    expect(featured.length).toBeGreaterThanOrEqual(2);
    const result = measureCoverage([...validFiles, ...featured]);
    const drawn = result.diagram.transitions;
    expect(drawn.length).toBeGreaterThan(d.transitions.length);
    const at = (from: string, event: string, guard: string | null = null) => result.counts[drawn.findIndex((t) => t.from === from && t.event === event && t.guard === guard)]!;
    // n3's election timeout in the prevote trace makes it a pre-candidate; refused, it returns to follower on the next heartbeat.
    expect(at('follower', 'ELECTION_TIMEOUT')).toBeGreaterThan(0);
    expect(at('precandidate', 'PreVoteResponse', 'isPreVoteForThisRound')).toBeGreaterThan(0);
    expect(at('follower', 'TimeoutNow')).toBe(1);
    expect(at('leader', 'QUORUM_TIMEOUT')).toBeGreaterThan(0);
    // The base chart counted alone gives the base traces the same counts on the transitions both charts share.
    const base = measureCoverage(validFiles);
    expect(at('leader', 'HEARTBEAT_TIMEOUT')).toBeGreaterThan(base.counts[row('leader', 'HEARTBEAT_TIMEOUT')]!);
    expect(() => measureCoverage(featured, { features: [] })).toThrow(/declares the features? .*which the chart drawn does not have/);
  });

  it('counts feature heartbeat\'s transitions on a trace that declares it', () => {
    const beats = allValidFiles.filter((f) => readHeader(f).features?.includes('heartbeat'));
    expect(beats.length).toBeGreaterThanOrEqual(1);
    const result = measureCoverage(beats);
    const drawn = result.diagram.transitions;
    const count = (from: string, event: string) => drawn.reduce((n, t, i) => n + (t.from === from && t.event === event ? result.counts[i]! : 0), 0);
    expect(count('leader', 'HEARTBEAT_TIMEOUT')).toBeGreaterThan(0);
    expect(count('follower', 'Heartbeat')).toBeGreaterThan(0);
    expect(count('leader', 'HeartbeatResponse')).toBeGreaterThan(0);
  });
});

describe('transition coverage with hidden steps', () => {
  it('counts the election timeouts a trace does not log (spec/CONFORMANCE.md, hidden step 2)', () => {
    const file = `${VALID}/near-miss-election-timeouts-omitted.jsonl`;
    const lines = readTrace(file);
    expect(lines.some((l) => l.kind === 'timeout' && l.timer === 'election')).toBe(false);
    const result = measureCoverage([file]);
    // Every follower that became candidate took ELECTION_TIMEOUT, logged or not.
    const candidates = lines.filter((l) => l.kind === 'role' && l.role === 'candidate').length;
    expect(candidates).toBeGreaterThan(0);
    expect(result.counts[row('follower', 'ELECTION_TIMEOUT')]).toBe(candidates);
  });
});

describe('raftcheck diagram: svg and coverage', () => {
  it('--coverage prints the table by default and notes conformance breaks on stderr', async () => {
    const r = await cli('diagram', '--coverage', ...validFiles, 'traces/examples/invalid/conformance.missing/vote-without-answer.jsonl');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^taken\s+from/);
    expect(r.stdout).toMatch(new RegExp(`transitions taken \\(\\d+%\\) in ${validFiles.length + 1} traces\\n$`));
    expect(r.stderr).toMatch(/^note: traces\/examples\/invalid\/conformance\.missing\/vote-without-answer\.jsonl:10: breaks conformance\.missing; its \d+ steps are counted/m);
    expect(r.stderr).toMatch(/^note: traces\/examples\/valid\/skip-rules-leader-campaigns\.jsonl: its header declares conformance\.unexpected, .* not checked \(skipRules\); its steps are not counted$/m);
  });

  it('--format svg lays out every state and transition with the bundled Graphviz, with or without coverage', async () => {
    const plain = await cli('diagram', '--format', 'svg');
    expect([plain.code, plain.stderr]).toEqual([0, '']);
    const svg = plain.stdout;
    expect(svg).toMatch(/^<\?xml[\s\S]*<svg [\s\S]*<\/svg>\s*$/);
    // Graphviz names each laid-out node and edge in a <title>: the states, and one edge per arrow of the DOT.
    const titles = [...svg.matchAll(/<title>([^<]*)<\/title>/g)].map((m) => m[1]!.replace(/&#45;&gt;/g, '->'));
    expect(titles.filter((t) => !t.includes('->')).sort()).toEqual(['__start', 'candidate', 'follower', 'leader', 'raft']);
    const arrows = d.transitions.filter((t) => t.to !== null).map((t) => `${t.from}->${t.to}`);
    expect(titles.filter((t) => t.includes('->')).sort()).toEqual([...arrows, '__start->follower'].sort());
    // Every transition's text is drawn: edge labels and the in-place handlers inside the boxes.
    for (const t of d.transitions) expect(svg).toContain(`>${t.event}`);
    expect(svg).toContain('>AppendEntries [logMatches] / acceptAppendEntries</text>');
    expect(svg).toMatch(/<text[^>]*>ELECTION_TIMEOUT<\/text>/);
    expect(svg).not.toContain('NEVER TAKEN');
    const out = path.join(tmp(), 'coverage.svg');
    const r = await cli('diagram', '--coverage', '--format', 'svg', '-o', out, validFiles[0]!);
    expect([r.code, r.stderr]).toEqual([0, `wrote ${out}\n`]);
    const covered = fs.readFileSync(out, 'utf8');
    const coverage = measureCoverage([validFiles[0]!]);
    const never = coverage.counts.filter((n) => n === 0).length;
    expect(covered.match(/NEVER TAKEN/g)).toHaveLength(never);
    expect(covered).toContain('>transition coverage: ');
    expect(covered).toContain('fill="#d62728"'); // the never-taken handlers' text, in red
  });

  it('a DOT source Graphviz rejects is a one-line GraphvizError, never a picture', async () => {
    await expect(renderDot('digraph { a -> ')).rejects.toThrow(new GraphvizError('Graphviz could not render the svg: syntax error in line 1'));
    // An HTML label error still yields an SVG from Graphviz (without the label); `dot` would exit 1: so do we.
    const error = await renderDot('digraph { a [label=<<b>x</c>>] }').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphvizError);
    expect((error as Error).message).toMatch(/^Graphviz could not render the svg: mismatched tag in line 1; .*in label of node a$/);
    expect(await renderDot('digraph { a -> b }')).toMatch(/<title>a&#45;&gt;b<\/title>/);
  });

  it('rejects bad input with exit 2 and one line', async () => {
    expect((await cli('diagram', '--coverage')).stderr).toMatch(/--coverage: no trace files given/);
    expect((await cli('diagram', validFiles[0]!)).stderr).toMatch(/unexpected argument '.*' \(trace files go with --coverage\)/);
    const missing = await cli('diagram', '--coverage', 'nope.jsonl');
    expect([missing.code, missing.stderr]).toEqual([2, 'raftcheck diagram: nope.jsonl: no such file\n']);
    const dir = await cli('diagram', '--coverage', VALID);
    expect(dir.stderr).toMatch(/is a directory/);
    const malformed = await cli('diagram', '--coverage', 'traces/examples/invalid/schema.header/missing-header.jsonl');
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/^raftcheck diagram: traces\/examples\/invalid\/schema\.header\/missing-header\.jsonl:1: .*\[schema\.header\]: not a well-formed trace\n$/);
    // An output path that is one of the inputs is refused, even with --force.
    const copy = path.join(tmp(), 'trace.jsonl');
    fs.copyFileSync(validFiles[0]!, copy);
    const self = await cli('diagram', '--coverage', '-o', copy, '--force', copy);
    expect(self.code).toBe(2);
    expect(self.stderr).toMatch(/-o .*: is one of the inputs \(refusing to overwrite it\)/);
    expect(fs.readFileSync(copy, 'utf8')).toBe(fs.readFileSync(validFiles[0]!, 'utf8'));
  });
});
