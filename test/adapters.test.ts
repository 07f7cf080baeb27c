/**
 * The adapter interface: an implementation seen only through its outputs and observations
 * (harness/adapters/adapt.ts) must yield traces that every rule can check. The reference and
 * every mutant, run through it, must behave exactly as when driven directly.
 */
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { adapterFactory } from '../harness/adapters/adapt.js';
import type { AdapterDefinition, NodeUnderTest, Output } from '../harness/adapters/adapter.js';
import { referenceAdapter, referenceThroughAdapter } from '../harness/adapters/reference.js';
import { runCampaign } from '../harness/fuzz/campaign.js';
import { loadImplementation, resolveImplementation } from '../harness/fuzz/implementations.js';
import { runSchedule } from '../harness/fuzz/run-schedule.js';
import { scheduleArbitrary } from '../harness/fuzz/schedule.js';
import { MUTANTS } from '../harness/mutants/catalogue.js';
import { KNOWN_FEATURES } from '../harness/adapters/features.js';
import { createReferenceNode } from '../src/raft/node.js';
import { createRandom } from '../src/random.js';
import { DEFAULT_NODE_CONFIG, type Entry } from '../src/raft/types.js';
import { cli } from './helpers/cli.js';

describe('the reference through the adapter interface', () => {
  it('passes every rule, conformance included, on faulty schedules', () => {
    const r = runCampaign({ impl: 'adapter:reference', createNode: referenceThroughAdapter, runs: 60, seed: 3, nodes: [3, 5], faults: 'swarm', durationMs: 2000 });
    expect(r.failure).toBeNull();
    expect(r.events).toBeGreaterThan(10_000);
  });

  it('logs the same state changes, messages and answers as the reference driven directly', () => {
    const [s] = fc.sample(scheduleArbitrary('harsh', [5]), { seed: 11, numRuns: 1 });
    const project = (lines: ReturnType<typeof runSchedule>['lines']) => lines.filter((l) => l.kind !== 'header').map((l) => {
      const { seq: _seq, state: _state, ...rest } = l as typeof l & { state?: unknown };
      return JSON.stringify(rest);
    }).sort();
    const direct = runSchedule(s!, createReferenceNode, { keepLines: true });
    const adapted = runSchedule(s!, referenceThroughAdapter, { keepLines: true });
    expect(adapted.ok).toBe(true);
    expect(project(adapted.lines)).toEqual(project(direct.lines));
  });

  it('lets every mutant in the catalogue be caught in the same run as when driven directly, those of the features with their feature', () => {
    // Through the adapter the trace is derived from observations after each step; the
    // reference's adapter also reports its truncations (Output.truncatedFrom), so a stale
    // AppendEntries that truncate-on-match answers by deleting and re-appending the very same
    // entries is seen at once, as when the node is driven directly.
    // A feature's mutant runs with its feature (the adapter passes the run's config on, the
    // pre-candidate role and the transfer call included).
    // Every feature is open to adapters (harness/adapters/features.ts), snapshot and membership
    // included: their mutants are caught through Output.snapshots and Observation.config.
    // config-on-apply is not (yet): it retimes membership for etcd's transcripts.
    const adaptable = MUTANTS.filter((m) => (m.features ?? []).every((f) => KNOWN_FEATURES.includes(f)));
    expect(MUTANTS.filter((m) => !adaptable.includes(m)).map((m) => m.name).sort()).toEqual(['config-on-apply-switch-at-append', 'config-on-apply-two-changes-at-once']);
    for (const m of adaptable) {
      // A transfer to a learner needs membership changes and transfers in one schedule: the mild mix has too few.
      const features = { ...(m.features ? { features: m.features } : {}), ...(m.name === 'membership-transfer-to-learner' ? { faults: 'swarm' as const } : {}) };
      const adapted = runCampaign({ impl: `adapter:mutant:${m.name}`, createNode: adapterFactory(referenceAdapter(m.createNode)), ...MUTANT_HUNT, ...features });
      const direct = runCampaign({ impl: `mutant:${m.name}`, createNode: m.createNode, ...MUTANT_HUNT, ...features });
      expect(adapted.failure, m.name).not.toBeNull();
      expect(direct.failure, m.name).not.toBeNull();
      expect(adapted.runs, m.name).toBe(direct.runs);
    }
  });

  it('without truncatedFrom, sees a truncation only where it changes the log (what docs/ADAPTERS.md says cannot be seen)', () => {
    const m = MUTANTS.find((x) => x.name === 'truncate-on-match')!;
    const direct = runCampaign({ impl: `mutant:${m.name}`, createNode: m.createNode, ...MUTANT_HUNT });
    const hooked = runCampaign({ impl: `adapter:mutant:${m.name}`, createNode: adapterFactory(referenceAdapter(m.createNode)), ...MUTANT_HUNT });
    const blind = runCampaign({ impl: `adapter:mutant:${m.name}`, createNode: adapterFactory(withoutTruncations(referenceAdapter(m.createNode))), ...MUTANT_HUNT });
    expect(hooked.failure!.outcome.error).toEqual(direct.failure!.outcome.error);
    expect(blind.runs).toBeGreaterThan(direct.runs);
  });
});

const MUTANT_HUNT = { runs: 100, seed: 1, nodes: [3, 5], faults: 'mild' as const, durationMs: 3000, shrink: false };

/** The adapter as one that does not report its truncations. */
function withoutTruncations(d: AdapterDefinition): AdapterDefinition {
  const strip = (o: Output): Output => {
    const { truncatedFrom: _cut, ...rest } = o;
    return rest;
  };
  return {
    ...d,
    create(init) {
      const n = d.create(init);
      return { ...n, start: () => strip(n.start()), deliver: (x) => strip(n.deliver(x)), timeout: (t) => strip(n.timeout(t)), tick: () => strip(n.tick()), client: (r) => strip(n.client(r)) };
    },
  };
}

describe('Output.truncatedFrom', () => {
  const entries: Entry[] = [1, 2, 3].map((value) => ({ term: 1, command: { type: 'set', value } }));
  /** A node whose every delivery deletes its log from index 2 and writes the same entries back. */
  const rewriting = (report: unknown): AdapterDefinition => ({
    name: 'rewrites',
    create(): NodeUnderTest {
      const log = entries.slice();
      return {
        start: () => ({}), timeout: () => ({}), tick: () => ({}), client: () => ({}), crash: () => ({ term: 1, votedFor: null, log }),
        deliver: () => (report === undefined ? {} : ({ truncatedFrom: report } as Output)),
        observe: () => ({ role: 'follower', term: 1, votedFor: null, commitIndex: 0, log: log.slice() }),
      };
    },
  });
  const stateChanges = (report: unknown) => {
    const node = adapterFactory(rewriting(report))({ ...DEFAULT_NODE_CONFIG, id: 'n1', members: ['n1', 'n2'] }, { random: createRandom(1) });
    node.start();
    const msg = { id: 'm', type: 'AppendEntries', from: 'n2', to: 'n1', term: 1, leaderId: 'n2', prevLogIndex: 1, prevLogTerm: 1, entries: entries.slice(1, 2), leaderCommit: 0 } as const;
    return node.step({ type: 'receive', msg }).map((r) => r.effect);
  };

  it('turns a reported truncation into truncate and append, which the observed log alone cannot show', () => {
    expect(stateChanges(undefined)).toEqual([]);
    expect(stateChanges(2)).toEqual([{ kind: 'truncate', fromIndex: 2 }, { kind: 'append', index: 2, entries: entries.slice(1) }]);
    // Past the end of the log nothing was deleted: nothing to show.
    expect(stateChanges(4)).toEqual([]);
  });

  it('is an adapter error when it is not a log index', () => {
    for (const bad of [0, -1, 1.5, '2']) expect(() => stateChanges(bad), String(bad)).toThrow(/reported truncatedFrom .*: expected a log index/);
  });
});

describe('adapter modules by path (--impl ./my-adapter.ts)', () => {
  it('load and fuzz like a built-in implementation', async () => {
    const r = await cli('fuzz', '--impl', './test/fixtures/adapters/reference-adapter.ts', '--runs', '5', '--duration', '1s');
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^\.\/test\/fixtures\/adapters\/reference-adapter\.ts: no failure in 5 runs/);
    expect(r.code).toBe(0);
    const absolute = await loadImplementation(path.resolve('test/fixtures/adapters/reference-adapter.ts'));
    expect(typeof absolute).toBe('function');
  });

  it('explain what is wrong with a module that is missing or not an adapter (exit 2)', async () => {
    const missing = await cli('fuzz', '--impl', './no/such/adapter.ts');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^raftcheck fuzz: --impl: cannot load the adapter module .*no\/such\/adapter\.ts/);
    const wrong = await cli('fuzz', '--impl', './test/fixtures/adapters/not-an-adapter.ts');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/its default export is not an adapter definition/);
    expect(resolveImplementation('./x.ts')).toEqual({ error: expect.stringMatching(/load it with loadImplementation/) });
  });
});
