/**
 * Features `snapshot` and `membership` declared by an adapter (docs/ADAPTERS.md): the snapshots
 * a node reports (Output.snapshots) and the configuration it observes (Observation.config)
 * become the trace's snapshot, install_snapshot and config events; a node that breaks them is
 * caught, and a malformed report is an adapter error naming the field.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { adapterFactory } from '../harness/adapters/adapt.js';
import { mergeOutputs } from '../harness/adapters/async/merge-outputs.js';
import type { AdapterDefinition, NodeUnderTest, Observation, Outgoing, Output } from '../harness/adapters/adapter.js';
import { referenceAdapter } from '../harness/adapters/reference.js';
import { runCampaign } from '../harness/fuzz/campaign.js';
import { runSchedule } from '../harness/fuzz/run-schedule.js';
import { scheduleArbitrary } from '../harness/fuzz/schedule.js';
import { createRandom } from '../src/random.js';
import { DEFAULT_NODE_CONFIG, type Entry, type Message } from '../src/raft/types.js';
import { cli } from './helpers/cli.js';

const BOTH = ['snapshot', 'membership'] as const;
const tempDir = () => fs.promises.mkdtemp(path.join(os.tmpdir(), 'raftcheck-s23-'));
const declaring = (features: readonly string[]): AdapterDefinition => ({ ...referenceAdapter(), profile: { features: [...features] } });

describe('the reference through the adapter interface, declaring snapshot and membership', () => {
  it('passes every rule, conformance included, on swarm schedules that take, send, install and restart from snapshots and change the configuration', () => {
    // Conformance drives a shadow of the reference with each node's logged inputs and compares every
    // derived event with it, so these runs check the derivation event by event. (Not compared line by
    // line with the reference driven directly: an adapter's timers are armed before its messages are
    // sent, so agenda items due at the same time may run in another order, and the runs drift apart.)
    const seen = new Set<string>();
    for (const s of fc.sample(scheduleArbitrary('swarm', [3, 5], 2500, BOTH, 2), { seed: 9, numRuns: 16 })) {
      const run = runSchedule(s, adapterFactory(declaring(BOTH)), { keepLines: true });
      expect(run.ok, JSON.stringify(run.error)).toBe(true);
      for (const l of run.lines) {
        seen.add(l.kind);
        if (l.kind === 'restart' && l.persisted?.snapshot) seen.add('restart from a snapshot');
        if (l.kind === 'send' && l.msg.type === 'InstallSnapshot') seen.add('InstallSnapshot');
        if (l.kind === 'append' && l.entries.some((e) => e.command.type === 'config')) seen.add('append of a configuration');
      }
    }
    const wanted = ['snapshot', 'install_snapshot', 'InstallSnapshot', 'restart from a snapshot', 'reconfigure', 'append of a configuration', 'config'];
    expect(wanted.filter((k) => !seen.has(k))).toEqual([]);
  });

  it('passes every rule on swarm schedules, all features on', () => {
    const all = ['prevote', 'checkquorum', 'transfer', 'snapshot', 'membership', 'heartbeat'] as const;
    const r = runCampaign({ impl: 'adapter:reference', createNode: adapterFactory(declaring(all)), runs: 20, seed: 3, nodes: [3, 5], faults: 'swarm', durationMs: 2000, features: all });
    expect(r.failure).toBeNull();
  });
});

describe('fuzz --impl with an adapter module that declares snapshot (and membership)', () => {
  it('runs it with its features and --snapshot-every, and passes', async () => {
    const r = await cli('fuzz', '--impl', './test/fixtures/adapters/snapshot-membership-adapter.ts', '--runs', '8', '--snapshot-every', '2', '--faults', 'swarm', '--nodes', '3', '--duration', '2000ms');
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toMatch(/snapshot-membership-adapter\.ts: no failure in 8 runs/);
  });

  it('catches a node that snapshots entries it has not committed (snapshot.committed), exit 1', async () => {
    const out = await tempDir();
    const r = await cli('fuzz', '--impl', './test/fixtures/adapters/snapshot-uncommitted-adapter.ts', '--runs', '50', '--snapshot-every', '2', '--shrink-runs', '1', '--out', out);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAILED \[snapshot\.committed\]/);
    expect(r.stdout).toMatch(/took a snapshot through index \d+, beyond its commitIndex \d+/);
  });

  it('reports a malformed snapshot report in one line naming the node and the field', async () => {
    const out = await tempDir();
    const r = await cli('fuzz', '--impl', './test/fixtures/adapters/malformed-snapshot-adapter.ts', '--runs', '5', '--snapshot-every', '2', '--faults', 'none', '--shrink-runs', '1', '--out', out);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/:\d+: the implementation threw: node n\d: reported snapshots\/0\/index: must be a log index \(an integer ≥ 1\), got "2"\n/);
    expect(r.stdout + r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});

/** One node whose every delivery returns `output` over the log `log` (observe()), for the derivation's errors. */
function reporting(output: Output, observed: Partial<ReturnType<NodeUnderTest['observe']>> = {}) {
  const log: Entry[] = [1, 2, 3].map((value) => ({ term: 1, command: { type: 'set', value } }));
  const def: AdapterDefinition = {
    name: 'reports',
    profile: { features: ['snapshot'] },
    create(): NodeUnderTest {
      let delivered = false;
      return {
        start: () => ({}), timeout: () => ({}), tick: () => ({}), client: () => ({}), crash: () => ({ term: 1, votedFor: null, log }),
        deliver: () => {
          delivered = true;
          return output;
        },
        observe: () => ({ role: 'follower', term: 1, votedFor: null, commitIndex: 3, log: delivered ? log.slice(2) : log.slice(), ...(delivered ? observed : {}) }),
      };
    },
  };
  const node = adapterFactory(def)({ ...DEFAULT_NODE_CONFIG, id: 'n1', members: ['n1', 'n2'], features: ['snapshot'] }, { random: createRandom(1) });
  node.start();
  const msg: Message = { id: 'm', type: 'AppendEntries', from: 'n2', to: 'n1', term: 1, leaderId: 'n2', prevLogIndex: 3, prevLogTerm: 1, entries: [], leaderCommit: 3 };
  return () => node.step({ type: 'receive', msg }).map((r) => r.effect);
}

describe('Output.snapshots', () => {
  it('logs a snapshot taken after the applies, and the log after it from its index on', () => {
    const effects = reporting({ snapshots: [{ kind: 'snapshot', index: 2, term: 1, value: 2 }] })();
    expect(effects.map((e) => e.kind)).toEqual(['snapshot']);
    expect(effects[0]).toEqual({ kind: 'snapshot', index: 2, term: 1, value: 2 });
  });

  it('is an adapter error, naming the field, when malformed or inconsistent with observe()', () => {
    const bad: Array<[unknown, RegExp]> = [
      [[{ kind: 'snapshot', index: 0, term: 1, value: 2 }], /^node n1: reported snapshots\/0\/index: must be a log index \(an integer ≥ 1\), got 0$/],
      [[{ kind: 'snapshot', index: 2, term: 1, value: [2] }], /^node n1: reported snapshots\/0\/value: must be the register's value/],
      [[{ kind: 'install_snapshot', index: 2, term: 1, value: 2 }], /^node n1: reported snapshots\/0\/logKept: must be true or false, got nothing$/],
      [[{ kind: 'snapshot', index: 2, term: 1, value: 2, logKept: true }], /^node n1: reported snapshots\/0\/logKept: unknown field/],
      [[{ kind: 'compact', index: 2 }], /^node n1: reported snapshots\/0\/kind: must be "snapshot" or "install_snapshot", got "compact"$/],
      [{ kind: 'snapshot' }, /^node n1: reported snapshots: must be a list/],
      [[{ kind: 'snapshot', index: 2, term: 1, value: 2, entries: [] }], /^node n1: reported snapshots\/0\/entries: 0 entries, but a snapshot through 2 taken after 0 discards 2 \(entries 1\.\.2\)$/],
      [[{ kind: 'snapshot', index: 5, term: 1, value: 2 }], /^node n1: reported snapshots\/0: a snapshot through 5 discarding entries up to 5 that observe\(\) never showed \(it showed up to 3\): give them in its entries$/],
    ];
    for (const [snapshots, message] of bad) expect(reporting({ snapshots } as Output), JSON.stringify(snapshots)).toThrow(message);
    // A snapshot observe() shows and the call did not report.
    expect(reporting({}, { snapshotIndex: 2 })).toThrow(/^node n1: observe\(\)\.snapshotIndex is 2, but the snapshots it reported \(Output\.snapshots\) end at 0: report every snapshot it takes or installs$/);
  });
});

describe('an asynchronous adapter that declares snapshot and membership', () => {
  it('passes through the worker thread: its snapshots cross it (a lost one would show as a log that lost its prefix)', async () => {
    const r = await cli('fuzz', '--impl', './test/fixtures/adapters/async-reference-adapter.ts', '--runs', '6', '--snapshot-every', '2', '--faults', 'swarm', '--nodes', '3', '--duration', '2000ms');
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toMatch(/async-reference-adapter\.ts: no failure in 6 runs/);
  });

  it('is caught when it makes two configuration changes at once: reconfigure reaches it through the worker thread', async () => {
    const out = await tempDir();
    const membership = await cli('fuzz', '--impl', './test/fixtures/adapters/async-two-changes-adapter.ts', '--runs', '20', '--shrink-runs', '1', '--out', out);
    expect(membership.stdout).toMatch(/FAILED \[membership\.one-change\]/);
  });
});

/** A node that answers its one delivery with `output`, observed as `before` until then and `after` from then on. */
function scripted(before: Observation, output: Output, after: Observation) {
  const def: AdapterDefinition = {
    name: 'scripted',
    create(): NodeUnderTest {
      let delivered = false;
      return {
        start: () => ({}), timeout: () => ({}), tick: () => ({}), client: () => ({}), crash: () => ({ term: 1, votedFor: null, log: [] }),
        deliver: () => {
          delivered = true;
          return output;
        },
        observe: () => (delivered ? after : before),
      };
    },
  };
  const node = adapterFactory(def)({ ...DEFAULT_NODE_CONFIG, id: 'n1', members: ['n1', 'n2'], features: ['snapshot', 'membership'] }, { random: createRandom(1) });
  node.start();
  const msg: Message = { id: 'm', type: 'AppendEntriesResponse', from: 'n2', to: 'n1', term: 1, success: true, matchIndex: 2 };
  return node.step({ type: 'receive', msg }).map((r) => r.effect.kind === 'send' ? `send ${r.effect.msg.type}` : r.effect.kind);
}

describe('the order of what a call reports, as the reference logs it', () => {
  const entries: Entry[] = [{ term: 1, command: { type: 'set', value: 1 } }, { term: 1, command: { type: 'config', voters: ['n2'], learners: [] } }];
  const leader: Observation = { role: 'leader', term: 1, votedFor: 'n1', commitIndex: 1, log: entries, config: { index: 2, voters: ['n2'], learners: [] } };
  const ae: Outgoing = { msg: { type: 'AppendEntries', from: 'n1', to: 'n2', term: 1, leaderId: 'n1', prevLogIndex: 1, prevLogTerm: 1, entries: entries.slice(1), leaderCommit: 2 } };
  const install: Outgoing = { msg: { type: 'InstallSnapshot', from: 'n1', to: 'n2', term: 1, leaderId: 'n1', lastIncludedIndex: 2, lastIncludedTerm: 1, value: 1 } };
  const snapshot = { kind: 'snapshot', index: 2, term: 1, value: 1 } as const;

  it('a snapshot taken after the messages sent before it (an AppendEntries may start under it), but before an InstallSnapshot of it', () => {
    const after: Observation = { ...leader, commitIndex: 2, log: [] };
    expect(scripted(leader, { messages: [ae], snapshots: [snapshot] }, after)).toEqual(['commit', 'apply', 'send AppendEntries', 'snapshot']);
    expect(scripted(leader, { messages: [ae, install], snapshots: [snapshot] }, after)).toEqual(['commit', 'apply', 'send AppendEntries', 'snapshot', 'send InstallSnapshot']);
  });

  it('a leader that steps down keeping its term (its removal committed) does so after what it committed and sent as leader', () => {
    expect(scripted(leader, { messages: [ae] }, { ...leader, role: 'follower', commitIndex: 2 })).toEqual(['commit', 'apply', 'send AppendEntries', 'role']);
  });
});

describe('mergeOutputs (the asynchronous bridge: a call result and what the node emitted during it)', () => {
  it('keeps the snapshots of every part, in order; a malformed one is passed on for adapt.ts to report', () => {
    const a = { kind: 'snapshot', index: 2, term: 1, value: 1 } as const;
    const b = { kind: 'install_snapshot', index: 5, term: 2, value: 3, logKept: false } as const;
    expect(mergeOutputs([{ snapshots: [a] }, {}, { snapshots: [b] }]).snapshots).toEqual([a, b]);
    expect(mergeOutputs([{ snapshots: [a] }, { snapshots: 'garbled' as never }, { snapshots: [b] }]).snapshots).toBe('garbled');
    expect(mergeOutputs([{}, { replies: [] }]).snapshots).toBeUndefined();
  });
});
