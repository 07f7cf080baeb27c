/**
 * What a driver (spec/DRIVER.md) declares and is told: the rules that do not apply to it and
 * its features, in its reply to init; the virtual time with every request; `observe` checked
 * key by key; a `cmd:` whose command line ends in `.js` is still a command; and an adapter
 * module named `.mts` loads inside a CommonJS package.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { profileProblem } from '../harness/adapters/features.js';
import { isAdapterPath, loadImplementation, resolveImplementation } from '../harness/fuzz/implementations.js';
import { runSchedule } from '../harness/fuzz/run-schedule.js';
import type { Schedule } from '../harness/fuzz/schedule.js';
import type { NodeFactory } from '../harness/simulator/cluster.js';
import type { TraceLine } from '../src/trace/schema.js';
import { cli } from './helpers/cli.js';
import { PYTHON } from './helpers/python.js';

const VARIANT = 'test/fixtures/driver/variant.py';
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'raftcheck-declare-'));
const CONFORMANCE = ['conformance.unexpected', 'conformance.missing', 'conformance.state', 'conformance.message'];

/** The variant node with these options, as --impl gives it (one word per argument, JSON single-quoted). */
const variant = (...options: string[]) => `cmd:${PYTHON} ${VARIANT} ${options.map((o) => (o.startsWith('{') ? `'${o}'` : o)).join(' ')}`;
function impl(name: string): NodeFactory {
  const f = resolveImplementation(name);
  if ('error' in f) throw new Error(f.error);
  return f;
}

/** An election, a write, and n2 crashing and restarting. */
const schedule: Schedule = {
  version: 1, nodes: 3, seed: 5, durationMs: 600, batch: 64, naturalElections: false,
  fates: [{ lose: false, duplicate: false, delay: 3 }],
  events: [
    { at: 10, action: { type: 'timeout', node: 0 } },
    { at: 100, action: { type: 'client', node: 0, op: { type: 'set', value: 4 } } },
    { at: 400, action: { type: 'crash', node: 1 } },
    { at: 450, action: { type: 'restart', node: 1 } },
  ],
};

describe('a driver declares in its reply to init which rules do not apply to it', () => {
  const reason = 'a leader whose election timer fires campaigns again';
  const declaration = JSON.stringify({ skipRules: CONFORMANCE.map((rule) => ({ rule, reason })) });
  // The same run, with n1's election timer forced while it leads (before n2 crashes).
  const forced: Schedule = { ...schedule, events: [...schedule.events.slice(0, 2), { at: 200, action: { type: 'timeout', node: 0 } }, ...schedule.events.slice(2)] };

  it('the rules are not checked, the run records them, and its profile says so', () => {
    // Undeclared, the leader's new election is a conformance difference (Figure 2 gives a leader no election timeout).
    const undeclared = runSchedule(forced, impl(variant('--leader-campaigns')));
    expect(undeclared.error).toMatchObject({ rule: 'conformance.unexpected', message: expect.stringMatching(/^n1 logged "role candidate" after the timeout on line \d+/) });
    const declaring = impl(variant('--leader-campaigns', '--declare', declaration));
    expect(declaring.profile?.skipRules?.map((s) => s.rule)).toEqual(CONFORMANCE);
    const outcome = runSchedule(forced, declaring, { keepLines: true });
    expect(outcome.error).toBeUndefined();
    expect(outcome.lines[0]).toMatchObject({ kind: 'header', skipRules: JSON.parse(declaration).skipRules });
  }, 60_000);

  it('fuzz prints them with their reason, like a built-in implementation\'s', async () => {
    const r = await cli('fuzz', '--impl', variant('--leader-campaigns', '--declare', declaration), '--runs', '2', '--nodes', '3', '--duration', '500ms', '--out', tmp());
    expect(r.stdout).toMatch(/no failure in 2 runs/);
    expect(r.stdout).toContain(`not checked: conformance.unexpected, conformance.missing, conformance.state, conformance.message (${reason})`);
    expect(r.code).toBe(0);
  }, 60_000);

  it('an unknown rule, or a feature raftcheck does not model, is a usage error naming it and the known ones (exit 2, one line)', async () => {
    const cases = [
      [{ skipRules: [{ rule: 'pre-vote', reason: 'x' }] }, /^raftcheck fuzz: node n1, request 1 \(init\): skipRules\/0: unknown rule 'pre-vote' \(rules: conformance\.unexpected, .*, linearizability\)$/],
      [{ features: ['pre-vote'] }, /^raftcheck fuzz: node n1, request 1 \(init\): features\/0: raftcheck does not model feature 'pre-vote' \(known: prevote, checkquorum, transfer, snapshot, membership, heartbeat\)$/],
    ] as const;
    for (const [declared, message] of cases) {
      const r = await cli('fuzz', '--impl', variant('--declare', JSON.stringify(declared)), '--runs', '1', '--out', tmp());
      expect(r.stderr.split('\n')[0]).toMatch(message);
      expect(r.stderr.split('\n')[1] ?? '').not.toMatch(/^\s+at /);
      expect(r.code).toBe(2);
    }
  }, 60_000);

  it('driven without the command line\'s check, the same declaration is a driver.protocol verdict at init', () => {
    const outcome = runSchedule(schedule, impl(variant('--declare', JSON.stringify({ features: ['check-quorum'] }))));
    expect(outcome.error).toMatchObject({ rule: 'driver.protocol', message: "node n1, request 1 (init): features/0: raftcheck does not model feature 'check-quorum' (known: prevote, checkquorum, transfer, snapshot, membership, heartbeat)" });
  }, 60_000);

  it('every node must declare the same', () => {
    const outcome = runSchedule(schedule, impl(variant('--declare-on', 'n2', '--declare', JSON.stringify({ skipRules: [{ rule: 'vote-once', reason: 'x' }] }))));
    expect(outcome.error).toMatchObject({
      rule: 'driver.protocol',
      message: expect.stringMatching(/^node n2, request 1 \(init\): declares \{"skipRules":\[\{"rule":"vote-once","reason":"x"\}\],"features":\[\]\}, unlike the first node started \(\{"skipRules":\[\],"features":\[\]\}\): every node must declare the same/),
    });
  }, 60_000);
});

describe('an adapter module declares the same in its profile', () => {
  it('an unknown rule or feature is refused when the module loads (exit 2, one line)', async () => {
    for (const [fixture, message] of [
      ['misspelt-rule-adapter.ts', /: profile\.skipRules\/0: unknown rule 'conformance\.unexpcted' \(rules: conformance\.unexpected, /],
      ['unknown-feature-adapter.ts', /: profile\.features\/0: raftcheck does not model feature 'pre-vote' \(known: prevote, checkquorum, transfer, snapshot, membership, heartbeat\)$/],
    ] as const) {
      const r = await cli('fuzz', '--impl', `./test/fixtures/adapters/${fixture}`, '--runs', '1', '--out', tmp());
      expect(r.stderr.split('\n')[0]).toMatch(message);
      expect(r.code).toBe(2);
    }
  });

  it('the built-in implementations\' profiles are valid', () => {
    for (const name of ['coaty', 'coaty:plain', 'reference']) expect(profileProblem(impl(name).profile), name).toBeNull();
  });
});

describe('requests carry the virtual time', () => {
  it('`now` is on every request: the time of the event it drives, 0 at the start, the restart\'s time in a restarted node\'s init', () => {
    const dir = tmp();
    const outcome = runSchedule(schedule, impl(variant('--record', dir)), { keepLines: true });
    expect(outcome.error).toBeUndefined();
    const received = new Map(outcome.lines.flatMap((l: TraceLine) => (l.kind === 'receive' ? [[l.msg.id, l.time] as const] : [])));
    const processes = fs.readdirSync(dir).filter((f) => f.endsWith('.jsonl'));
    let delivered = 0;
    const inits: Array<[string, number]> = [];
    for (const file of processes) {
      const requests = fs.readFileSync(path.join(dir, file), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; now: number; message?: { id: string } });
      expect(requests.every((r) => Number.isInteger(r.now)), file).toBe(true);
      for (let i = 1; i < requests.length; i++) expect(requests[i]!.now, file).toBeGreaterThanOrEqual(requests[i - 1]!.now);
      inits.push([file.split('.')[0]!, requests[0]!.now]);
      for (const r of requests) {
        if (r.type !== 'deliver') continue;
        expect(r.now).toBe(received.get(r.message!.id));
        delivered++;
      }
    }
    expect(delivered).toBeGreaterThan(10);
    // Three nodes at 0 and n2 again at its restart (the probe that read the declaration is one more n1 at 0).
    expect(inits.filter(([node, now]) => node === 'n2' && now === 450)).toHaveLength(1);
    expect(inits.filter(([, now]) => now !== 0)).toHaveLength(1);
  }, 60_000);
});

describe('observe reports the state of the init reply', () => {
  it('a key the init reply has and observe lacks is a driver.protocol error naming the key', () => {
    const outcome = runSchedule(schedule, impl(variant('--observe', 'drop:lastApplied')));
    expect(outcome.error).toMatchObject({
      rule: 'driver.protocol',
      message: expect.stringMatching(/^node n1, request 2 \(observe\): its state lacks "lastApplied", which its reply to init has: observe must report the state of the init reply, with the same keys/),
    });
  }, 60_000);

  it('the same state with its keys in another order is the same state', () => {
    expect(runSchedule(schedule, impl(variant('--observe', 'reorder'))).error).toBeUndefined();
  }, 60_000);
});

describe('--impl cmd:"..." is always a command', () => {
  it('even when its command line ends in .js, .mjs or .ts', async () => {
    for (const name of ['cmd:node driver.js', 'cmd:node driver.mjs', 'cmd:npx tsx driver.ts']) expect(isAdapterPath(name), name).toBe(false);
    const loaded = await loadImplementation('cmd:node test/fixtures/driver/follower.js');
    expect('error' in loaded).toBe(false);
    // A node that never campaigns: the campaign runs it and finds no leader (not "cannot load the adapter module").
    // Shrinking is not what this test is about: none (a shrink of a process driver's run spawns its nodes again).
    const r = await cli('fuzz', '--impl', 'cmd:node test/fixtures/driver/follower.js', '--runs', '1', '--nodes', '1', '--duration', '100ms', '--shrink-runs', '0', '--out', tmp());
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^cmd:node test\/fixtures\/driver\/follower\.js: FAILED \[liveness\]/);
    expect(r.code).toBe(1);
  }, 60_000);
});

describe('an adapter module in a CommonJS package', () => {
  it('named .mts, loads as ES module and runs (the CLI, as a user starts it)', async () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'my-raft', type: 'commonjs' }));
    // The library itself is CommonJS; the adapter imports it as ES modules import CommonJS.
    fs.writeFileSync(path.join(dir, 'index.js'), "module.exports = { name: 'my-raft' };\n");
    const reference = path.resolve('harness/adapters/reference.js');
    fs.writeFileSync(path.join(dir, 'raftcheck-adapter.mts'), `import lib from './index.js';\nimport { referenceAdapter } from ${JSON.stringify(reference)};\nexport default referenceAdapter(undefined, lib.name);\n`);
    expect(isAdapterPath('raftcheck-adapter.mts')).toBe(true);
    const run = await promisify(execFile)(process.execPath, [path.resolve('harness/cli/raftcheck.js'), 'fuzz', '--impl', 'raftcheck-adapter.mts', '--runs', '3', '--nodes', '3', '--duration', '500ms', '--out', tmp()], { cwd: dir });
    expect(run.stdout).toMatch(/^raftcheck-adapter\.mts: no failure in 3 runs/);
  }, 120_000);
});
