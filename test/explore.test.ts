import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildModel } from '../harness/explore/build-model.js';
import { loadExploreCase, replayExploreCase } from '../harness/explore/regression.js';
import { explore, type SearchOptions } from '../harness/explore/search.js';
import { DEFAULT_BOUNDS, type ExploreBounds, type ExploreModel } from '../harness/explore/model.js';
import { validateTraceText } from '../harness/validate/validate-file.js';
import { createRandom } from '../src/random.js';
import { enabledActions } from '../harness/explore/actions.js';
import { StepChecker } from '../harness/explore/check.js';
import { applyAction, initialState } from '../harness/explore/step.js';
import { traceHeader } from '../harness/explore/trace.js';
import { ClusterInvariants } from '../harness/checker/invariants/cluster-invariants.js';
import { withinBounds, type ExploreState } from '../harness/explore/model.js';
import { cli } from './helpers/cli.js';
import { MUTANT_BOUNDS } from '../harness/explore/mutant-bounds.js';
import { MUTANTS } from '../harness/mutants/catalogue.js';
import { naiveStates, orbitCount } from './helpers/naive-explore.js';

const model = (impl: string, bounds: Partial<ExploreBounds>): ExploreModel => {
  const m = buildModel(impl, { ...DEFAULT_BOUNDS, ...bounds });
  if ('error' in m) throw new Error(m.error);
  return m;
};
const run = (impl: string, bounds: Partial<ExploreBounds>, options: SearchOptions = {}) => explore(model(impl, bounds), options);
const counts = (r: ReturnType<typeof explore>) => ({ distinct: r.stats.distinct, generated: r.stats.generated, depth: r.stats.depth, beyondBounds: r.stats.beyondBounds });

// Small bounds throughout: the suite stays cheap (big ones belong to `npm run bench`).
const TINY: Partial<ExploreBounds> = { servers: 2, maxTerm: 1, maxLog: 1, maxMsgs: 2, maxCrashes: 0, maxClientOps: 1 };

describe('raftcheck explore: the reference', () => {
  it('exhausts 2 servers (terms ≤ 1, logs ≤ 1, 2 messages, 1 client request) with no violation, in exactly 1,697 distinct states', () => {
    // The count changes only if the model does (the chart, the actions, the checker's history).
    const r = run('reference', TINY);
    expect(r.outcome).toBe('exhausted');
    expect(counts(r)).toEqual({ distinct: 1697, generated: 3632, depth: 15, beyondBounds: 1030 });
  });

  it('exhausts crashes and restarts too (1 crash)', () => {
    const r = run('reference', { ...TINY, maxClientOps: 0, maxCrashes: 1 });
    expect(r.outcome).toBe('exhausted');
    expect(r.stats.distinct).toBeGreaterThan(run('reference', { ...TINY, maxClientOps: 0 }).stats.distinct);
  });

  it('gives the same counts on every run, in every mode', () => {
    const a = run('reference', TINY);
    const b = run('reference', TINY);
    expect(counts(b)).toEqual(counts(a));
    // Depth-first with a depth bound beyond the deepest state reaches the same states.
    const dfs = run('reference', TINY, { mode: 'dfs', maxDepth: 40 });
    expect(dfs.outcome).toBe('exhausted');
    expect(dfs.stats.distinct).toBe(a.stats.distinct);
    // Iterative deepening re-runs every shallower depth: smaller bounds.
    const small: Partial<ExploreBounds> = { ...TINY, maxLog: 0, maxClientOps: 0 };
    const id = run('reference', small, { mode: 'iddfs', maxDepth: 40 });
    expect(id.outcome).toBe('exhausted');
    expect(id.stats.distinct).toBe(run('reference', small).stats.distinct);
  });

  it('stops cleanly at --max-states and at the depth bound, reporting what it covered', () => {
    const r = run('reference', TINY, { maxStates: 100 });
    expect(r).toMatchObject({ outcome: 'bounded', stoppedBy: 'max-states' });
    expect(r.stats.distinct).toBeGreaterThanOrEqual(100);
    expect(r.stats.queue).toBeGreaterThan(0);
    expect(run('reference', TINY, { maxDepth: 3 })).toMatchObject({ outcome: 'bounded', stoppedBy: 'max-depth' });
    let ms = 0;
    const timed = run('reference', TINY, { timeBudgetMs: 5, now: () => (ms += 1) });
    expect(timed).toMatchObject({ outcome: 'bounded', stoppedBy: 'time-budget' });
    // What is left to do is reported, also when the budget is spent before the first expansion.
    expect(timed.stats.queue).toBeGreaterThan(0);
    ms = 0;
    expect(run('reference', TINY, { timeBudgetMs: 1, now: () => (ms += 1) }).stats).toMatchObject({ distinct: 1, generated: 0, queue: 1 });
  });
});

describe('raftcheck explore: the checker\'s memory in the state', () => {
  it('a chain of clones has the history key of one checker fed the same lines (holes in its arrays included)', () => {
    const m = model('reference', { servers: 3, maxTerm: 3, maxLog: 2, maxMsgs: 4, maxCrashes: 2, maxClientOps: 3 });
    const random = createRandom(7);
    const checker = new StepChecker();
    let state: ExploreState = { ...initialState(m).state, history: checker.root(traceHeader(m)) };
    const single = new ClusterInvariants(traceHeader(m), () => undefined);
    let line = 0;
    let appends = 0;
    for (let step = 0; step < 300; step++) {
      // A walk within the bounds that mostly delivers, so that leaders are elected and logs grow.
      const actions = enabledActions(m, state).filter((a) => withinBounds(m, { ...applyAction(m, state, a).next, history: state.history }));
      const leads = (k: number) => { const n = state.nodes[k]!; return n.up && n.snap.role === 'leader'; };
      const deliveries = actions.filter((a) => a.type === 'deliver' || (a.type === 'client' && leads(a.node)));
      const s = applyAction(m, state, random.pick(deliveries.length && random.chance(0.8) ? deliveries : actions.filter((a) => a.type !== 'client')));
      for (const l of s.lines) single.event(l.event, ++line);
      appends += s.lines.filter((l) => l.event.kind === 'append').length;
      state = { ...s.next, history: checker.advance(state.history, s.lines).history };
      expect(state.history.historyKey(m.ids, (id) => id)).toBe(single.historyKey(m.ids, (id) => id));
    }
    expect(appends).toBeGreaterThan(0);
  });
});

describe('raftcheck explore: differential', () => {
  const bounds: Partial<ExploreBounds> = { servers: 3, maxTerm: 1, maxLog: 0, maxMsgs: 2, maxCrashes: 0, maxClientOps: 0 };
  const m = model('reference', bounds);
  let naive: ReturnType<typeof naiveStates>['states'] | undefined;
  const naiveSet = () => (naive ??= naiveStates(m).states);

  it('finds the same number of distinct states as a brute-force enumeration of whole states as JSON', () => {
    const r = explore(m);
    expect(r.outcome).toBe('exhausted');
    expect(r.stats.distinct).toBe(naiveSet().size);
    expect(naiveSet().size).toBeGreaterThan(1000);
    // Clients, crashes and restarts too (2 servers, one message in flight).
    const more = model('reference', { servers: 2, maxTerm: 1, maxLog: 1, maxMsgs: 1, maxCrashes: 1, maxClientOps: 1 });
    const naiveMore = naiveStates(more).states.size;
    expect(explore(more).stats.distinct).toBe(naiveMore);
    expect(naiveMore).toBeGreaterThan(100);
  });

  it('with --symmetry, finds exactly one state per orbit of the unreduced set under permutations of the servers', () => {
    const orbits = orbitCount(m, naiveSet().values());
    const reduced = explore(m, { symmetry: true });
    expect(reduced.outcome).toBe('exhausted');
    expect(reduced.stats.distinct).toBe(orbits);
    expect(orbits).toBeLessThan(naiveSet().size / 2);
  });
});

describe('raftcheck explore: mutants', () => {
  it('has small bounds registered for every mutant of the base chart (MUTANTS.md explore columns; explore searches the base chart, not the features)', () => {
    expect(Object.keys(MUTANT_BOUNDS).sort()).toEqual(MUTANTS.filter((m) => !m.features?.length).map((m) => m.name).sort());
  });

  const cases: Array<[string, Partial<ExploreBounds>, string]> = [
    ['vote-twice', { servers: 3, maxTerm: 1, maxLog: 0, maxMsgs: 2, maxClientOps: 0 }, 'vote-once'],
    ['majority-off-by-one', { servers: 3, maxTerm: 1, maxLog: 0, maxMsgs: 2, maxClientOps: 0 }, 'conformance.unexpected'],
    ['forget-log-on-restart', { servers: 1, maxTerm: 1, maxLog: 1, maxMsgs: 0, maxCrashes: 1, maxClientOps: 1 }, 'conformance.state'],
  ];
  for (const [name, bounds, rule] of cases) {
    it(`catches ${name} with a shortest counterexample that validate judges failing with [${rule}]`, () => {
      const r = run(`mutant:${name}`, bounds);
      expect(r.outcome).toBe('violation');
      const v = r.violation!;
      expect(v.rule).toBe(rule);
      const text = v.trace.map((l) => JSON.stringify(l)).join('\n') + '\n';
      const report = validateTraceText('cx', text, { maxErrors: 5 });
      expect(report.errors[0]).toMatchObject({ rule, line: v.line });
      // Shortest: iterative deepening finds one no shorter, and none exists one step shorter.
      const id = run(`mutant:${name}`, bounds, { mode: 'iddfs', maxDepth: v.actions.length + 2 });
      expect(id.violation!.actions.length).toBe(v.actions.length);
      expect(run(`mutant:${name}`, bounds, { maxDepth: v.actions.length - 1 }).outcome).not.toBe('violation');
      // The same counterexample on every run.
      expect(run(`mutant:${name}`, bounds).violation!.steps).toEqual(v.steps);
      // Its actions replay, and the reference passes those it enables.
      expect(replayExploreCase(model(`mutant:${name}`, bounds), v.actions).verdict).toMatchObject({ rule, line: v.line });
      expect(replayExploreCase(model('reference', bounds), v.actions, true).verdict).toBeNull();
    });
  }
});

describe('raftcheck explore (CLI)', () => {
  it('prints TLC-style counts and exits 0 when the bounds are exhausted', async () => {
    const r = await cli('explore', '--servers', '2', '--max-term', '1', '--max-log', '1', '--max-msgs', '2');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/exhausted: every reachable state within the bounds checked, no violation/);
    expect(r.stdout).toMatch(/1,697 distinct states found, 3,632 states generated, depth 15, 0 states left on queue/);
  });

  it('exits 0 with "bounded: not exhausted" when a budget stops it', async () => {
    const r = await cli('explore', '--servers', '2', '--max-term', '1', '--max-log', '1', '--max-msgs', '2', '--max-states', '50', '--progress');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/bounded: not exhausted \(stopped by --max-states\)/);
  });

  it('exits 1 on a violation and saves the counterexample as a regression case that replay reproduces', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raftcheck-explore-'));
    const r = await cli('explore', '--mutant', 'vote-twice', '--servers', '3', '--max-term', '1', '--max-log', '0', '--max-msgs', '2', '--max-client-ops', '0', '--out', dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/violation: \[vote-once\] after 5 steps/);
    const [file] = fs.readdirSync(dir).filter((f) => f.endsWith('.jsonl'));
    expect(file).toMatch(/^vote-once-x[0-9a-f]{11}\.jsonl$/);
    expect(loadExploreCase(path.join(dir, file!))).toMatchObject({ impl: 'mutant:vote-twice', rule: 'vote-once' });
    const validate = await cli('validate', path.join(dir, file!));
    expect(validate.code).toBe(1);
    expect(validate.stdout).toMatch(/\[vote-once\]/);
    const replay = await cli('replay', path.join(dir, file!));
    expect(replay.code).toBe(0);
    expect(replay.stdout).toMatch(/mutant:vote-twice fails \[vote-once\].*\(as expected\)/);
    expect(replay.stdout).toMatch(/reference passes.*\(as expected\)/);
    // Never overwritten: a second run finds it saved.
    const again = await cli('explore', '--mutant', 'vote-twice', '--servers', '3', '--max-term', '1', '--max-log', '0', '--max-msgs', '2', '--max-client-ops', '0', '--out', dir);
    expect(again.stdout).toMatch(/\(already saved\)/);
  });

  it('refuses bad options with one line and exit 2', async () => {
    const bad: Array<[string[], RegExp]> = [
      [['--servers', '9'], /--servers: must be between 1 and 5, got 9/],
      [['--mode', 'dfs'], /--mode dfs: needs --max-depth N/],
      [['--mode', 'random'], /--mode: expected one of bfs, dfs, iddfs/],
      [['--mutant', 'nope'], /unknown mutant 'nope'/],
      [['--impl', 'coaty'], /explore runs the reference or a mutant/],
      [['--max-term', '-1'], /--max-term: must be between 0 and 1000/],
      [['--time-budget', 'soon'], /--time-budget: expected a duration/],
      [['--no-save', '--out', 'x'], /--out and --no-save/],
      [['extra'], /unexpected argument 'extra'/],
    ];
    for (const [args, message] of bad) {
      const r = await cli('explore', ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stderr.trim().split('\n')[0], args.join(' ')).toMatch(/^raftcheck explore: /);
      expect(r.stderr, args.join(' ')).not.toMatch(/\n\s+at /);
    }
  });

  it('--coverage writes the transitions the search took, which diagram --coverage draws', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raftcheck-explore-'));
    const file = path.join(dir, 'reach.json');
    const r = await cli('explore', '--servers', '2', '--max-term', '1', '--max-log', '1', '--max-msgs', '2', '--coverage', file);
    expect(r.code).toBe(0);
    // The base chart's transitions, with a candidate's refusal counted and its lost election (rules/election-lost.ts).
    expect(r.stdout).toMatch(/coverage: \d+ of 38 statechart transitions taken/);
    const d = await cli('diagram', '--coverage', file);
    expect(d.code).toBe(0);
    // With one client request, a leader appends it; no AppendEntries ever reaches a leader of its own term.
    expect(d.stdout).toMatch(/×\d+\s+leader\s+CLIENT_REQUEST\s+\(stays\)\s+appendClientCommand/);
    expect(d.stdout).toMatch(/NEVER TAKEN\s+leader\s+AppendEntries\s+\(stays\)\s+rejectAppendAsLeader/);
    // Never overwritten without --force.
    const again = await cli('explore', '--servers', '1', '--coverage', file);
    expect(again.code).toBe(2);
    expect((await cli('explore', '--servers', '1', '--coverage', file, '--force')).code).toBe(0);
  });

  it('--help describes every option', async () => {
    const r = await cli('explore', '--help');
    expect(r.code).toBe(0);
    for (const o of ['--servers', '--max-term', '--max-log', '--max-msgs', '--max-crashes', '--max-client-ops', '--symmetry', '--mode', '--max-depth', '--max-states', '--time-budget', '--progress']) expect(r.stdout).toContain(o);
  });
});
