/**
 * The external-process driver (spec/DRIVER.md): every way a node process can misbehave gives
 * a clear verdict naming the node and the request, the trace so far is kept, and no process
 * survives — also when raftcheck itself is interrupted.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { splitCommandLine } from '../harness/adapters/process/command-line.js';
import { buildDriverJsonSchema } from '../harness/adapters/process/protocol.js';
import { runCampaign } from '../harness/fuzz/campaign.js';
import { resolveImplementation, withProfile } from '../harness/fuzz/implementations.js';
import { saveRegression } from '../harness/fuzz/regression.js';
import { runSchedule } from '../harness/fuzz/run-schedule.js';
import type { Schedule } from '../harness/fuzz/schedule.js';
import type { NodeFactory } from '../harness/simulator/cluster.js';
import { cli } from './helpers/cli.js';
import { PYTHON } from './helpers/python.js';

const MISBEHAVE = path.resolve('test/fixtures/driver/misbehave.py');

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'raftcheck-driver-'));

function impl(mode: string, after: number, piddir: string, options: { replyTimeoutMs?: number; maxLineBytes?: number } = {}): NodeFactory {
  const f = resolveImplementation(`cmd:${PYTHON} ${MISBEHAVE} ${mode} ${after} ${piddir}`, { process: options });
  if ('error' in f) throw new Error(f.error);
  // With a profile given, no process is started to read the node's declaration: every process
  // counted here is one the run started (declarations: test/driver-declaration.test.ts).
  return withProfile(f, {});
}

/** A short schedule: an election, a write, a read, a crash and a restart. */
const schedule: Schedule = {
  version: 1, nodes: 3, seed: 5, durationMs: 600, batch: 64, naturalElections: false,
  fates: [{ lose: false, duplicate: false, delay: 3 }],
  events: [
    { at: 10, action: { type: 'timeout', node: 0 } },
    { at: 100, action: { type: 'client', node: 0, op: { type: 'set', value: 4 } } },
    { at: 300, action: { type: 'client', node: 0, op: { type: 'get' } } },
    { at: 400, action: { type: 'crash', node: 1 } },
    { at: 450, action: { type: 'restart', node: 1 } },
  ],
};

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // An orphan that was killed stays a zombie until init reaps it: it runs no more.
  try {
    return !/\) [ZX] /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false; // gone between the two looks
  }
}

function pids(dir: string): number[] {
  return fs.readdirSync(dir).filter((f) => /^\d+$/.test(f)).map(Number);
}

async function eventually(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

describe('a well-behaved external node', () => {
  it('is driven through a whole schedule; every request it is sent matches spec/driver.schema.json', () => {
    const dir = tmp();
    const outcome = runSchedule(schedule, impl('record', 0, dir), { keepLines: true });
    expect(outcome.error).toBeUndefined();
    expect(outcome.lines.some((l) => l.kind === 'client_response' && l.result.status === 'ok' && l.result.value === 4)).toBe(true);
    expect(outcome.lines.find((l) => l.kind === 'restart')).toMatchObject({ node: 'n2', persisted: { term: 1, votedFor: 'n1' } });
    const validate = new Ajv2020.default({ discriminator: true, strict: true }).compile(buildDriverJsonSchema());
    const requests = fs.readFileSync(path.join(dir, 'requests.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string });
    expect(new Set(requests.map((r) => r.type))).toEqual(new Set(['init', 'observe', 'deliver', 'timeout', 'client', 'crash']));
    for (const r of requests) expect(validate(r), JSON.stringify(validate.errors)).toBe(true);
    for (const pid of pids(dir)) expect(alive(pid)).toBe(false);
  });
});

describe('an external node with a Raft bug', () => {
  it('is caught by the same rules as any implementation (a vote not persisted over a crash)', () => {
    const dir = tmp();
    // n2 votes for n1 in term 1, crashes at 400 ms and restarts without its vote.
    const outcome = runSchedule(schedule, impl('forget-vote', 0, dir));
    expect(outcome.error).toMatchObject({ rule: 'vote-once', message: 'n2 restarted in term 1 with votedFor null, but it had voted for n1 in that term (line 10)' });
    for (const pid of pids(dir)) expect(alive(pid)).toBe(false);
  });

  it('has the truncations it reports (truncatedFrom) logged and judged, even where its log is unchanged', () => {
    // Its log is the same after every request, so only the reported truncation shows it: a
    // follower deleting its committed entry 1 on a heartbeat, and writing it back.
    const dir = tmp();
    const outcome = runSchedule(schedule, impl('rewrite-log', 0, dir), { keepLines: true });
    expect(outcome.error).toMatchObject({ rule: 'committed-durable', message: expect.stringMatching(/^n[23] deleted the committed entry at index 1: term 1: set 4 by c\d+#1 deleted/) });
    const cut = outcome.lines.findIndex((l) => l.kind === 'truncate');
    expect(outcome.lines[cut + 1]).toMatchObject({ kind: 'append', index: 1 });
    for (const pid of pids(dir)) expect(alive(pid)).toBe(false);
  });
});

describe('a misbehaving external node gives a clear verdict and leaves no process behind', () => {
  const cases: Array<{ mode: string; rule: string; message: RegExp; options?: { replyTimeoutMs?: number; maxLineBytes?: number } }> = [
    { mode: 'not-json', rule: 'driver.protocol', message: /the reply is not JSON .*"this is not JSON"/ },
    { mode: 'bad-schema', rule: 'driver.protocol', message: /breaks spec\/driver\.schema\.json at \/state\/role: must be one of "follower", "precandidate", "candidate", "leader"/ },
    { mode: 'error', rule: 'driver.error', message: /answered with an error: cannot handle this/ },
    // 2 s: a loaded machine's start-up of the process (its init) stays under it.
    { mode: 'hang', rule: 'driver.timeout', message: /no reply within 2 s/, options: { replyTimeoutMs: 2000 } },
    { mode: 'exit', rule: 'driver.crash', message: /the process exited with code 3; its stderr ends with:\n.*\n\s+fatal: giving up/ },
    { mode: 'flood', rule: 'driver.flood', message: /wrote a line longer than 100000 bytes/, options: { maxLineBytes: 100_000 } },
    { mode: 'lines', rule: 'driver.protocol', message: /wrote a line that answers no request/ }, // (a second reply to one request)
  ];
  for (const c of cases) {
    it(`${c.mode}: [${c.rule}], naming the node and the request`, () => {
      const dir = tmp();
      // Each process misbehaves at its 6th request: after init, observe and the election.
      const outcome = runSchedule(schedule, impl(c.mode, 5, dir, c.options ?? { replyTimeoutMs: 5000 }), { keepLines: true });
      expect(outcome.ok).toBe(false);
      expect(outcome.error!.rule).toBe(c.rule);
      expect(outcome.error!.message).toMatch(/^node n\d, request \d+ \((deliver|client|timeout|election timeout)[^)]*\): /);
      expect(outcome.error!.message).toMatch(c.message);
      // The trace up to the failure is kept: the election that happened before it is there.
      expect(outcome.lines.filter((l) => l.kind === 'role' && l.role === 'candidate').length).toBe(1);
      const started = pids(dir);
      expect(started.length).toBe(3);
      for (const pid of started) expect(alive(pid), `pid ${pid}`).toBe(false);
    });
  }

  it('a hang is not shrunk (each attempt would wait out the reply timeout)', () => {
    const dir = tmp();
    // The reply timeout must outlast a python start-up on a loaded machine (a slow init would
    // time out first and start fewer processes), yet each timed-out request waits it out.
    const r = runCampaign({ impl: 'hang', createNode: impl('hang', 5, dir, { replyTimeoutMs: 2000 }), runs: 10, seed: 1, nodes: [3], faults: 'mild', durationMs: 1000 });
    expect(r.failure?.outcome.error?.rule).toBe('driver.timeout');
    expect(r.failure!.shrinks).toBe(0);
    // One run found it and one replay recorded its trace, three node processes each: no shrinking attempts.
    expect(pids(dir)).toHaveLength(6);
    for (const pid of pids(dir)) expect(alive(pid)).toBe(false);
  });

  it('an observe that changes the state is a protocol violation', () => {
    const dir = tmp();
    const outcome = runSchedule(schedule, impl('drift', 0, dir));
    expect(outcome.error).toMatchObject({ rule: 'driver.protocol', message: 'node n1, request 2 (observe): its state has "term": 1, not 0 as in its reply to init: observe must change nothing' });
    for (const pid of pids(dir)) expect(alive(pid)).toBe(false);
  });

  it('misbehaving on init is a verdict too, and the saved case keeps the trace so far', () => {
    const dir = tmp();
    const outcome = runSchedule(schedule, impl('not-json', 0, dir), { keepLines: true });
    expect(outcome.error).toMatchObject({ rule: 'driver.protocol', message: expect.stringMatching(/^node n1, request 1 \(init\): the reply is not JSON/) });
    const saved = saveRegression(tmp(), outcome.lines, { impl: 'cmd:x', schedule, rule: outcome.error!.rule, line: outcome.error!.line, message: outcome.error!.message, found: { seed: 1, faults: 'none', runs: 1 } });
    expect(fs.readFileSync(saved.file, 'utf8')).toContain('"kind":"header"');
    for (const pid of pids(dir)) expect(alive(pid)).toBe(false);
  });
});

describe('raftcheck fuzz --impl cmd:...', () => {
  it('reports a missing program as a usage error (exit 2, one line)', async () => {
    const r = await cli('fuzz', '--impl', 'cmd:no-such-program-xyz --flag', '--runs', '1');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^raftcheck fuzz: node n1: cannot start "no-such-program-xyz --flag": command not found: no-such-program-xyz\n$/);
  });

  it('rejects an unparseable command line and a bad reply timeout', async () => {
    expect((await cli('fuzz', '--impl', `cmd:python3 'open`)).stderr).toMatch(/--impl: cmd:python3 'open: cannot parse the command line: unterminated ' quote at character 9/);
    expect((await cli('fuzz', '--impl', 'cmd:python3 x.py', '--reply-timeout', 'soon')).code).toBe(2);
  });

  it('kills every node process when raftcheck is interrupted (Ctrl-C)', async () => {
    const dir = tmp();
    const child = spawn(process.execPath, ['harness/cli/raftcheck.js', 'fuzz', '--impl', `cmd:${PYTHON} ${MISBEHAVE} stubborn 3 ${dir}`, '--reply-timeout', '60s', '--runs', '1', '--nodes', '3', '--out', tmp()], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => void (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => void (output += d.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // The preflight node comes and goes; then three nodes start and the fourth request hangs.
    const running = await eventually(() => pids(dir).filter(alive).length === 3, 30_000);
    expect(running, `pids ${pids(dir).map((p) => `${p}:${alive(p)}`).join(' ')}; raftcheck said: ${output}`).toBe(true);
    child.kill('SIGINT');
    await exited;
    const started = pids(dir);
    expect(await eventually(() => started.every((pid) => !alive(pid)), 5000), `still alive: ${started.filter(alive).join(', ')}`).toBe(true);
  });
});

describe('processes a node starts outside its process group', () => {
  const ESCAPING = path.resolve('test/fixtures/driver/escaping-node.mjs');
  const escapees = (dir: string) => fs.readdirSync(dir).filter((f) => /^(setsid|daemon)-\d+$/.test(f));
  const pidOf = (name: string) => Number(name.split('-')[1]);
  const survivors = (dir: string) => escapees(dir).filter((f) => alive(pidOf(f)));
  const cleanUp = (dir: string) => {
    for (const f of survivors(dir)) process.kill(pidOf(f), 'SIGKILL'); // do not leave them to the next test
  };

  it('are ended with the node: a child in a session of its own (setsid) and a daemon whose parent is gone', async () => {
    const dir = tmp();
    try {
      const r = await cli('fuzz', '--impl', `cmd:${process.execPath} ${ESCAPING} ${PYTHON} ${dir}`, '--runs', '1', '--nodes', '3', '--duration', '300ms', '--out', tmp());
      expect(r.code, r.stderr).toBe(0);
      // The preflight node and three per run, each with its two escapees.
      expect(escapees(dir).filter((f) => f.startsWith('setsid-')).length).toBeGreaterThanOrEqual(4);
      expect(escapees(dir).filter((f) => f.startsWith('daemon-')).length).toBeGreaterThanOrEqual(1);
      expect(survivors(dir), 'still running after the run').toEqual([]);
    } finally {
      cleanUp(dir);
    }
  });

  it('are ended by the reaper when raftcheck itself is killed (SIGKILL: no cleanup of its own)', async () => {
    const dir = tmp();
    try {
      const child = spawn(process.execPath, ['harness/cli/raftcheck.js', 'fuzz', '--impl', `cmd:${process.execPath} ${ESCAPING} ${PYTHON} ${dir} hang`, '--reply-timeout', '60s', '--runs', '1', '--nodes', '3', '--out', tmp()], { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (d: Buffer) => void (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => void (output += d.toString()));
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      // The preflight node answers nothing either: it waits 60 s for it. Its escapees are there meanwhile.
      const started = await eventually(() => escapees(dir).filter((f) => f.startsWith('daemon-')).length >= 1 && escapees(dir).some((f) => f.startsWith('setsid-')), 30_000);
      expect(started, `no escapees appeared; raftcheck said: ${output}`).toBe(true);
      await new Promise((r) => setTimeout(r, 300)); // let the daemon settle in its own session
      child.kill('SIGKILL');
      await exited;
      expect(await eventually(() => survivors(dir).length === 0, 10_000), `still running: ${survivors(dir).join(', ')}`).toBe(true);
    } finally {
      cleanUp(dir);
    }
  });
});

describe('command lines', () => {
  it('split like a POSIX shell would quote them, without running one', () => {
    expect(splitCommandLine(`python3  my\\ node.py 'a b' "c \\"d\\" \\\\" e'f'g ''`)).toEqual(['python3', 'my node.py', 'a b', 'c "d" \\', 'efg', '']);
    expect(splitCommandLine('echo $HOME | cat > x')).toEqual(['echo', '$HOME', '|', 'cat', '>', 'x']);
    expect(splitCommandLine('   ')).toEqual({ error: 'the command line is empty' });
    expect(splitCommandLine('a "b')).toEqual({ error: 'unterminated " quote at character 3' });
    expect(splitCommandLine('a\\')).toEqual({ error: 'a backslash at the end of the command line' });
  });
});
