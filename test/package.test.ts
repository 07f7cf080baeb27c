/**
 * raftcheck as a Raft library's maintainer gets it: `npm pack` (whose `prepare` builds dist/,
 * unless dist/ is already built from these sources),
 * the tarball installed into an empty project, and used there as documented: `npx raftcheck`
 * (validate, view, fuzz on worker threads against a TypeScript adapter module, against an
 * asynchronous one in its own worker thread and against an external process: every worker
 * module of dist/ in use), the
 * programmatic API from a script, and `tsc --noEmit` of an adapter importing 'raftcheck/adapter'.
 *
 * Cost: the slowest test file, about 20 s of CPU. `npm install` takes the dependencies from
 * npm's cache when it has them (--prefer-offline) and from the registry otherwise; the build
 * reuses the declarations of `npm ci` (tools/build.ts), else its tsc pass adds about 10 s of
 * CPU. Everything is done once, in beforeAll.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { VERSION } from '../harness/version.js';

const ROOT = process.cwd();
const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');
const VALID = path.join(ROOT, 'traces/examples/valid/election-3.jsonl');
const MINUTES = 60_000;

let dir = '';
let project = '';
let tarball = '';

function run(command: string, args: string[], cwd: string, timeout = 3 * MINUTES): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, encoding: 'utf8', timeout, env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' } });
}

function ok(r: SpawnSyncReturns<string>, what: string): string {
  if (r.status !== 0) throw new Error(`${what} exited ${r.status ?? r.signal}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

const npx = (...args: string[]) => run('npx', ['--no', '--', 'raftcheck', ...args], project);

/** The adapter a library's maintainer writes (a node that never does anything: every run fails). */
const IDLE_ADAPTER = `import { applyCommand, defineAdapter, type NodeUnderTest, type Observation } from 'raftcheck/adapter';

export default defineAdapter({
  name: 'idle',
  create(init): NodeUnderTest {
    const observation: Observation = { role: 'follower', term: 0, votedFor: null, commitIndex: 0, log: [] };
    void init.members;
    return {
      start: () => ({}),
      deliver: () => ({}),
      timeout: () => ({ messages: [] }),
      tick: () => ({}),
      client: ({ op }) => (op.type === 'get' ? {} : { replies: [] }),
      observe: () => ({ ...observation, value: applyCommand(null, { type: 'noop' }).value }),
      crash: () => ({ term: 0, votedFor: null, log: [] }),
    };
  },
});
`;

/** An asynchronous adapter (defineAsyncAdapter): its calls await the node's own timers, in raftcheck's worker thread. */
const IDLE_ASYNC_ADAPTER = `import { defineAsyncAdapter, type AsyncNodeUnderTest, type Observation } from 'raftcheck/adapter';

export default defineAsyncAdapter({
  name: 'idle-async',
  async create(init): Promise<AsyncNodeUnderTest> {
    await init.runtime.promises.setImmediate();
    const observation: Observation = { role: 'follower', term: 0, votedFor: null, commitIndex: 0, log: [] };
    return {
      start: async () => {
        await new Promise((resolve) => setTimeout(resolve, 10));
        init.emit({});
      },
      deliver: async () => ({}),
      timeout: () => undefined,
      client: async () => ({}),
      observe: () => observation,
      crash: async () => ({ term: 0, votedFor: null, log: [] }),
    };
  },
});
`;

/** The same with two mistakes the types must catch. */
const WRONG_ADAPTER = IDLE_ADAPTER.replace(`role: 'follower'`, `role: 'boss'`).replace('start: () => ({})', 'start: () => 42');

const API_SCRIPT = `import { runFuzz, validateTrace } from 'raftcheck';

const report = await validateTrace(process.argv[2]);
const fuzz = await runFuzz({ impl: 'reference', runs: 3, nodes: [3], durationMs: 1000, out: null });
const idle = await runFuzz({ impl: './idle-adapter.ts', runs: 2, nodes: [3], durationMs: 1000, out: 'cases' });
console.log(JSON.stringify({ valid: report.valid, events: report.events, passed: fuzz.passed, idle: idle.failure?.rule, replay: idle.failure?.replay }));
`;

const tsconfig = (files: string[]) => JSON.stringify({
  compilerOptions: {
    target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true,
    typeRoots: [path.join(ROOT, 'node_modules/@types')], types: ['node'],
  },
  files,
});

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raftcheck-package-'));
  // When dist/ is built from these sources, other test files' worker threads are loading it
  // (test/setup/built-workers.ts): packing it as it is, without `prepare` rebuilding it under
  // them, packs the same files. Otherwise `prepare` builds it, as for any `npm pack`.
  const current = process.env.RAFTCHECK_WORKERS_FROM_DIST === '1';
  ok(run('npm', ['pack', '--pack-destination', dir, ...(current ? ['--ignore-scripts'] : [])], ROOT), 'npm pack');
  tarball = path.join(dir, fs.readdirSync(dir).find((f) => f.endsWith('.tgz'))!);
  project = path.join(dir, 'project');
  fs.mkdirSync(project);
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'my-raft', version: '1.0.0', private: true, type: 'module' }));
  ok(run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '-D', tarball], project), 'npm install');
  fs.writeFileSync(path.join(project, 'idle-adapter.ts'), IDLE_ADAPTER);
  fs.writeFileSync(path.join(project, 'idle-async-adapter.ts'), IDLE_ASYNC_ADAPTER);
  fs.writeFileSync(path.join(project, 'wrong-adapter.ts'), WRONG_ADAPTER);
  fs.writeFileSync(path.join(project, 'check.mjs'), API_SCRIPT);
  fs.writeFileSync(path.join(project, 'tsconfig.json'), tsconfig(['idle-adapter.ts', 'idle-async-adapter.ts', 'wrong-adapter.ts']));
}, 10 * MINUTES);

describe('the npm package', () => {
  it('holds the built CLI, its types, spec/ and the docs, and no tests or traces', () => {
    const files = ok(run('tar', ['-tzf', tarball], dir), 'tar').split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));
    for (const f of ['package.json', 'README.md', 'dist/raftcheck.js', 'dist/index.js', 'dist/adapter.js', 'dist/trace-line-validator.cjs', 'dist/host-thread.js', 'dist/node-host.js', 'dist/types/harness/api/index.d.ts', 'dist/types/harness/api/adapter.d.ts', 'spec/trace.schema.json', 'docs/ADAPTERS.md']) {
      expect(files, f).toContain(f);
    }
    expect(files.filter((f) => /^(test|traces|harness|src|tools)\//.test(f))).toEqual([]);
  });

  it('runs `npx raftcheck` in the project that installed it', () => {
    expect(ok(npx('--version'), 'raftcheck --version')).toBe(`${VERSION}\n`);
    expect(ok(npx('validate', VALID), 'raftcheck validate')).toMatch(/election-3\.jsonl: valid \(\d+ events/);
    const broken = path.join(project, 'broken.jsonl');
    fs.writeFileSync(broken, fs.readFileSync(VALID, 'utf8').replace('"term":1', '"term":-1'));
    const invalid = npx('validate', broken);
    expect(invalid.status).toBe(1);
    expect(invalid.stdout).toMatch(/broken\.jsonl:\d+: \/[\w/]*term: must be >= 0 \[schema\.shape\]/);
    // Worker threads validating files, each with the validator compiled by the build.
    const two = npx('validate', '--workers', '2', VALID, broken);
    expect(two.status).toBe(1);
    expect(two.stdout).toMatch(/election-3\.jsonl: valid[\s\S]*broken\.jsonl:\d+: /);
    const html = path.join(project, 'view.html');
    ok(npx('view', VALID, '--out', html), 'raftcheck view');
    expect(fs.readFileSync(html, 'utf8')).toMatch(/<style>[^<]{100,}/);
  });

  it('fuzzes a TypeScript adapter module on worker threads from the built CLI', () => {
    const r = npx('fuzz', '--impl', './idle-adapter.ts', '--runs', '16', '--workers', '2', '--nodes', '3', '--duration', '1000', '--out', 'regressions');
    expect(r.status, r.stderr).toBe(1);
    // An idle cluster elects no leader; shrinking keeps the rule the run broke (it is not cut down to an empty, unconstrained trace).
    expect(r.stdout).toMatch(/^\.\/idle-adapter\.ts: FAILED \[liveness\] at run 0/);
    expect(r.stdout).toMatch(/replay it: {7}npx raftcheck replay regressions\/liveness-\w+\.jsonl/);
    // The case, and its HTML report (the viewer's page assets come from dist/page/).
    const saved = fs.readdirSync(path.join(project, 'regressions')).sort();
    expect(saved).toEqual([expect.stringMatching(/^liveness-\w+\.html$/), expect.stringMatching(/^liveness-\w+\.jsonl$/)]);
    expect(fs.readFileSync(path.join(project, 'regressions', saved[0]!), 'utf8')).toMatch(/<style>[^<]{100,}/);
    // The same adapter in a CommonJS package: tsx cannot load it as ESM, and the error says why.
    fs.mkdirSync(path.join(project, 'cjs'));
    fs.writeFileSync(path.join(project, 'cjs/package.json'), JSON.stringify({ type: 'commonjs' }));
    fs.writeFileSync(path.join(project, 'cjs/idle-adapter.ts'), IDLE_ADAPTER);
    const cjs = npx('fuzz', '--impl', './cjs/idle-adapter.ts', '--runs', '1');
    expect(cjs.status).toBe(2);
    expect(cjs.stderr).toMatch(/^raftcheck fuzz: --impl: cannot load the adapter module \S+idle-adapter\.ts: .*\(its package\.json has no "type": "module", so it loads as CommonJS: add that, or name the file \.mts\)\n/);
  });

  it('runs an asynchronous TypeScript adapter in the built adapter worker thread, with --interleave', () => {
    const r = npx('fuzz', '--impl', './idle-async-adapter.ts', '--interleave', '--runs', '2', '--nodes', '3', '--duration', '1000', '--out', 'async-cases');
    expect(r.status, r.stderr).toBe(1);
    // Idle nodes never elect a leader: liveness fails (the liveness client's operations are logged, so the trace is not unconstrained).
    expect(r.stdout).toMatch(/^\.\/idle-async-adapter\.ts: FAILED \[liveness\] at run 0/);
    expect(r.stdout).toContain('not checked: conformance.unexpected, conformance.missing, conformance.state, conformance.message (--interleave:');
  });

  it('drives an external process through the built I/O worker thread', () => {
    const r = npx('fuzz', '--impl', `cmd:${process.execPath} -e 0`, '--runs', '1', '--nodes', '3', '--out', 'cmd-cases');
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/FAILED \[driver\.crash\][\s\S]*request 1 \(init\): the process exited with code 0/);
  });

  it('serves the programmatic API to a script', () => {
    const out = JSON.parse(ok(run('node', ['check.mjs', VALID], project), 'node check.mjs')) as Record<string, unknown>;
    expect(out).toMatchObject({ valid: true, passed: true, idle: 'liveness' });
    expect(out.events).toBeGreaterThan(10);
    expect(out.replay).toMatch(/^npx raftcheck replay cases\/liveness-\w+\.jsonl$/);
  });

  it('types adapters that import raftcheck/adapter, and catches a wrong one', () => {
    // One tsc run over all three: the errors must be exactly the wrong adapter's two mistakes.
    const wrong = run(process.execPath, [TSC, '-p', 'tsconfig.json'], project);
    expect(wrong.status).not.toBe(0);
    expect(wrong.stdout.trim().split('\n').filter((l) => /error TS/.test(l)).map((l) => l.split('(')[0])).toEqual(['wrong-adapter.ts', 'wrong-adapter.ts']);
    expect(wrong.stdout).toMatch(/wrong-adapter\.ts\(\d+,\d+\): error TS2322: Type '"boss"' is not assignable to type/);
    expect(wrong.stdout).toMatch(/wrong-adapter\.ts\(\d+,\d+\): error TS\d+: Type 'number' has no properties in common with type 'Output'/);
  });
});
