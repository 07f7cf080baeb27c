/**
 * The programmatic API (`import { validateTrace, runFuzz } from 'raftcheck'`): the same verdicts
 * as the CLI, as data, for a trace given as a path, a URL, a string or lines; typed errors
 * instead of exit codes; nothing printed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { formatTraceReport, InputError, runFuzz, UsageError, validateTrace, type TraceReport } from '../harness/api/index.js';
import { defineAdapter } from '../harness/api/adapter.js';
import { referenceAdapter } from '../harness/adapters/reference.js';
import { cli } from './helpers/cli.js';

const VALID = 'traces/examples/valid/election-3.jsonl';
const INVALID_DIR = 'traces/examples/invalid';
const examples = [
  ...fs.readdirSync('traces/examples/valid').filter((f) => f.endsWith('.jsonl')).map((f) => `traces/examples/valid/${f}`),
  ...fs.readdirSync(INVALID_DIR, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.jsonl')).map((f) => `${INVALID_DIR}/${f}`),
].sort();

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'raftcheck-api-'));
const renamed = (report: TraceReport, file: string) => ({ ...report, file });

describe('validateTrace', () => {
  it('gives the CLI\'s report (validate --json) for every example trace', async () => {
    const reports = await Promise.all(examples.map((file) => validateTrace(file)));
    const json = await cli('validate', '--json', ...examples);
    expect(JSON.parse(JSON.stringify(reports))).toEqual((JSON.parse(json.stdout) as { files: unknown[] }).files);
    expect(reports.some((r) => r.valid) && reports.some((r) => !r.valid)).toBe(true);
  });

  it('gives the same report for a trace held in memory, as text or as lines', async () => {
    for (const file of examples) {
      const bytes = fs.readFileSync(file);
      const text = bytes.toString('utf8');
      if (!Buffer.from(text, 'utf8').equals(bytes)) continue; // not UTF-8: no string can hold it
      const fromFile = await validateTrace(file);
      expect(await validateTrace({ text, name: file }), file).toEqual(fromFile);
      expect(await validateTrace(pathToFileURL(path.resolve(file)))).toEqual(renamed(fromFile, path.resolve(file)));
      // Lines as strings keep everything; the final-newline nuance of a file is the only loss.
      if (text.endsWith('\n') && !text.includes('\r') && !text.slice(0, -1).split('\n').includes('')) {
        expect(await validateTrace({ lines: text.slice(0, -1).split('\n'), name: file }), file).toEqual(fromFile);
      }
    }
  });

  it('accepts parsed lines, and names the input in errors', async () => {
    const lines = fs.readFileSync(VALID, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as object);
    expect((await validateTrace({ lines: lines as never[] })).valid).toBe(true);
    const broken = structuredClone(lines) as Array<Record<string, unknown>>;
    broken[3] = { ...broken[3], term: -1 };
    const report = await validateTrace({ lines: broken as never[], name: 'mine' });
    expect(report.valid).toBe(false);
    expect(report.file).toBe('mine');
    expect(report.errors[0]).toMatchObject({ line: 4, rule: 'schema.shape' });
    expect(formatTraceReport(report)).toMatch(/^mine:4: \/term: /);
    expect(await validateTrace({ text: '' })).toMatchObject({ valid: false, file: '<trace>', errors: [{ rule: 'schema.header' }] });
  });

  it('applies the options: rules, schema only, max errors, formats', async () => {
    const bad = `${INVALID_DIR}/${fs.readdirSync(INVALID_DIR).sort()[0]}`;
    const file = fs.statSync(bad).isDirectory() ? `${bad}/${fs.readdirSync(bad).filter((f) => f.endsWith('.jsonl'))[0]}` : bad;
    const full = await validateTrace(file);
    expect(full.valid).toBe(false);
    const rule = full.errors[0]!.rule;
    if (!rule.startsWith('schema.')) {
      expect((await validateTrace(file, { skip: [rule] })).errors.map((e) => e.rule)).not.toContain(rule);
      expect((await validateTrace(file, { schemaOnly: true })).errors.map((e) => e.rule)).not.toContain(rule);
    }
    const jepsen = fs.readdirSync('traces/external/porcupine/jepsen').filter((f) => f.endsWith('.log')).sort()[0]!;
    const history = await validateTrace(`traces/external/porcupine/jepsen/${jepsen}`, { format: 'jepsen' });
    expect(history.linearizability?.operations).toBeGreaterThan(0);
  });

  it('throws UsageError for bad options and InputError for unusable files, printing nothing', async () => {
    const write = vi.spyOn(process.stdout, 'write');
    await expect(validateTrace(VALID, { only: ['no-such-rule'] })).rejects.toThrow(UsageError);
    await expect(validateTrace(VALID, { maxErrors: 0 })).rejects.toThrow(/maxErrors/);
    await expect(validateTrace(VALID, { format: 'xml' as never })).rejects.toThrow(UsageError);
    await expect(validateTrace('no/such/trace.jsonl')).rejects.toThrow(InputError);
    await expect(validateTrace('traces')).rejects.toThrow(/is a directory/);
    await expect(validateTrace({} as never)).rejects.toThrow(UsageError);
    expect(write).not.toHaveBeenCalled();
    write.mockRestore();
  });

  it('stops at a line longer than maxLineBytes with an InputError naming it, in a file (/dev/zero too) or in memory', async () => {
    const long = path.join(tmp(), 'long.jsonl');
    const header = fs.readFileSync(VALID, 'utf8').split('\n')[0]!;
    fs.writeFileSync(long, `${header}\n${'x'.repeat(2000)}\n`);
    const message = (name: string, line: number) => `${name}:${line}: a line longer than 1024 bytes: not read further (maxLineBytes raises the limit)`;
    await expect(validateTrace(long, { maxLineBytes: 1024 })).rejects.toThrow(new InputError(message(long, 2)));
    await expect(validateTrace('/dev/zero', { maxLineBytes: 1024 })).rejects.toThrow(new InputError(message('/dev/zero', 1)));
    await expect(validateTrace('/dev/zero', { maxLineBytes: 1024, format: 'jepsen' })).rejects.toThrow(new InputError(message('/dev/zero', 1)));
    const text = fs.readFileSync(long, 'utf8');
    await expect(validateTrace({ text, name: 'mine' }, { maxLineBytes: 1024 })).rejects.toThrow(new InputError(message('mine', 2)));
    await expect(validateTrace({ text }, { maxLineBytes: 1024, format: 'etcd' })).rejects.toThrow(new InputError(message('<trace>', 2)));
    // Under the default limit the same line is an error of the trace, not of the input.
    expect((await validateTrace({ text })).errors[0]).toMatchObject({ line: 2, rule: 'schema.parse' });
  });
});

describe('runFuzz', () => {
  it('checks out before any run: a directory that cannot be created, or a file in its place, is an InputError', async () => {
    // Node's recursive mkdir would loop forever under /proc; the reference passes, so only the check can fail here.
    const options = { impl: 'reference', runs: 2, nodes: [3], durationMs: 200 } as const;
    await expect(runFuzz({ ...options, out: '/proc/raftcheck-api/cases' })).rejects.toThrow(
      new InputError('out /proc/raftcheck-api/cases: cannot create directory /proc/raftcheck-api: no such file or directory'),
    );
    const file = path.join(tmp(), 'a-file');
    fs.writeFileSync(file, 'keep');
    await expect(runFuzz({ ...options, out: file })).rejects.toThrow(new InputError(`out ${file}: not a directory (a file of that name exists)`));
    expect(fs.readFileSync(file, 'utf8')).toBe('keep');
    // A missing directory is created to prove it can be, and removed again when nothing is saved.
    const dir = tmp();
    expect((await runFuzz({ ...options, out: path.join(dir, 'new/cases') })).passed).toBe(true);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('passes the reference, deterministically, saving nothing', async () => {
    const out = tmp();
    const options = { impl: 'reference', runs: 10, seed: 3, nodes: [3], durationMs: 1500, out } as const;
    const a = await runFuzz(options);
    expect(a).toMatchObject({ passed: true, failure: null, summary: { evaluated: 10, outcomes: { passed: 10, failed: 0 } } });
    expect(a.report).toMatch(/^reference: no failure in 10 runs/);
    // The same result again, but for the wall-clock timing (and the seconds the report prints from it).
    const b = await runFuzz(options);
    const clockFree = (r: typeof a) => ({ ...r, report: r.report.replace(/, [\d.]+ s\)/, ')'), summary: { ...r.summary, timing: undefined } });
    expect(b.report).not.toBe(clockFree(b).report);
    expect(clockFree(b)).toEqual(clockFree(a));
    expect(fs.readdirSync(out)).toEqual([]);
  });

  it('returns a shrunk failure with its trace, its saved case and the commands to replay it', async () => {
    const out = tmp();
    const write = vi.spyOn(process.stdout, 'write');
    // Shrinking bounded at 60 runs (the test shrinks the failure three times): the bound is part of the rerun command.
    const r = await runFuzz({ impl: 'mutant:vote-twice', runs: 50, seed: 1, shrinkRuns: 60, out });
    expect(write).not.toHaveBeenCalled();
    write.mockRestore();
    expect(r.passed).toBe(false);
    const f = r.failure!;
    expect(f.rule).toBe('vote-once');
    expect(f.trace[0]).toMatchObject({ kind: 'header' });
    expect(f.trace).toHaveLength(f.line);
    expect(f.foundLine).toBeGreaterThanOrEqual(f.line);
    // A second vote in a term is also a step the reference would not take.
    expect(f.also).toEqual(['conformance.unexpected']);
    expect(f.saved?.created).toBe(true);
    expect(fs.existsSync(f.saved!.file)).toBe(true);
    expect(f.replay).toBe(`npx raftcheck replay ${f.saved!.file}`);
    expect(f.rerun).toBe('npx raftcheck fuzz --impl mutant:vote-twice --runs 50 --seed 1 --nodes 3,5 --faults mild --duration 3000ms --shrink-runs 60');
    // The replay command does what it says.
    const replay = await cli('replay', f.saved!.file);
    expect(replay.code).toBe(0);
    // The same failure as the CLI's.
    const viaCli = await cli('fuzz', '--impl', 'mutant:vote-twice', '--runs', '50', '--seed', '1', '--shrink-runs', '60', '--out', tmp(), '--json');
    // Equal but for the wall-clock timing, the one part that depends on the machine.
    const { timing: cliTiming, ...cliSummary } = JSON.parse(viaCli.stdout) as typeof r.summary;
    const { timing: apiTiming, ...apiSummary } = r.summary;
    expect(cliTiming).toEqual({ searchMs: expect.any(Number), shrinkMs: expect.any(Number) });
    expect(apiTiming).toEqual({ searchMs: expect.any(Number), shrinkMs: expect.any(Number) });
    expect(cliSummary).toEqual(apiSummary);
    // out: null saves nothing.
    const unsaved = await runFuzz({ impl: 'mutant:vote-twice', runs: 50, seed: 1, shrinkRuns: 60, out: null });
    expect(unsaved.failure).toMatchObject({ rule: 'vote-once', saved: null, replay: null });
  });

  it('runs an adapter given as an object or as a module path, on worker threads for a path', async () => {
    const adapter = defineAdapter({ ...referenceAdapter(), name: 'my-raft' });
    const mine = await runFuzz({ impl: adapter, runs: 5, nodes: [3], durationMs: 1000, out: null });
    expect(mine).toMatchObject({ passed: true, summary: { campaign: { impl: 'my-raft' }, evaluated: 5 } });
    const module = await runFuzz({ impl: './test/fixtures/adapters/reference-adapter.ts', runs: 20, nodes: [3], durationMs: 1000, workers: 2, out: null });
    expect(module).toMatchObject({ passed: true, summary: { evaluated: 20 } });
    await expect(runFuzz({ impl: adapter, workers: 2 })).rejects.toThrow(/workers/);
  });

  it('runs an asynchronous adapter module; one that does not load in its worker thread is an InputError', async () => {
    const r = await runFuzz({ impl: './test/fixtures/adapters/async-raft/adapter.ts', runs: 2, nodes: [3], durationMs: 1000, out: null });
    expect(r).toMatchObject({ passed: true, summary: { evaluated: 2 } });
    const failing = runFuzz({ impl: './test/fixtures/adapters/async-misbehaving/fails-in-worker.ts', runs: 1, out: null });
    await expect(failing).rejects.toThrow(InputError);
    await expect(failing).rejects.toThrow(/^cannot load the adapter module file:\S+fails-in-worker\.ts in its worker thread: Error: cannot open the database in this thread/);
  });

  it('throws UsageError for bad options', async () => {
    for (const bad of [
      { impl: 'nope' }, { impl: 'reference', runs: 0 }, { impl: 'reference', nodes: [] }, { impl: 'reference', nodes: [10] },
      { impl: 'reference', faults: 'brutal' as never }, { impl: 'reference', seed: 1.5 }, { impl: { name: 'x' } as never },
      { impl: './test/fixtures/adapters/not-an-adapter.ts' },
    ]) {
      await expect(runFuzz(bad), JSON.stringify(bad)).rejects.toThrow(UsageError);
    }
  });
});

// A trace's header records the rules its run skipped (skipRules); the API judges it as the CLI does.
describe('skip lists through the API', () => {
  const CONFORMANCE = ['conformance.unexpected', 'conformance.missing', 'conformance.state', 'conformance.message'];
  // A new leader's no-op is accepted now (hidden step 6): a trace that differs from the reference
  // is a candidate stepping down without a majority refusing, its header declaring conformance skipped.
  const NOOP_LEADER = (() => {
    const lines = fs.readFileSync('traces/examples/invalid/conformance.unexpected/candidate-steps-down-without-majority-refusing.jsonl', 'utf8').trim().split('\n');
    const header = { ...JSON.parse(lines[0]!), skipRules: CONFORMANCE.map((rule) => ({ rule, reason: 'this producer steps down early' })) };
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'raftcheck-api-skip-')), 'skip-rules-early-step-down.jsonl');
    fs.writeFileSync(file, [JSON.stringify(header), ...lines.slice(1)].join('\n') + '\n');
    return file;
  })();

  it('validateTrace honours the header\'s skipRules, from a file, text or lines, and allRules checks those rules too', async () => {
    const text = fs.readFileSync(NOOP_LEADER, 'utf8');
    const inputs = [NOOP_LEADER, { text, name: NOOP_LEADER }, { lines: text.trim().split('\n'), name: NOOP_LEADER }];
    for (const input of inputs) {
      const honoured = await validateTrace(input);
      expect(honoured, JSON.stringify(input).slice(0, 60)).toMatchObject({ valid: true, errorCount: 0 });
      expect(honoured.skipped?.map((s) => s.rule)).toEqual(CONFORMANCE);
      const all = await validateTrace(input, { allRules: true });
      expect(all.valid).toBe(false);
      expect(all.errors[0]).toMatchObject({ line: 26, rule: 'conformance.unexpected' });
      expect(all.skipped).toBeUndefined();
    }
    // The same reports as validate --json, with and without --all-rules.
    for (const [options, flags] of [[{}, []], [{ allRules: true }, ['--all-rules']]] as const) {
      const json = JSON.parse((await cli('validate', '--json', ...flags, NOOP_LEADER)).stdout) as { files: unknown[] };
      expect(JSON.parse(JSON.stringify(await validateTrace(NOOP_LEADER, options)))).toEqual(json.files[0]);
    }
  });

  it('runFuzz takes skipRules as fuzz --skip-rules does: not checked, reported, in the rerun command and the saved case', async () => {
    // majority-off-by-one breaks conformance in run 0; with conformance skipped, election safety later.
    const skipRules = CONFORMANCE.map((rule) => ({ rule, reason: rule === 'conformance.unexpected' ? 'stands in for a declared difference' : 'same' }));
    const options = { impl: 'mutant:majority-off-by-one', runs: 32, seed: 1, nodes: [3], durationMs: 3000, shrinkRuns: 40 } as const;
    const plain = await runFuzz({ ...options, out: null });
    expect(plain.failure).toMatchObject({ run: 0, rule: expect.stringMatching(/^conformance\./) });
    expect(plain.skipped).toEqual([]);

    const out = tmp();
    const r = await runFuzz({ ...options, out, skipRules });
    expect(r.failure).toMatchObject({ rule: 'election-safety', run: expect.any(Number) });
    expect(r.failure!.run).toBeGreaterThan(0);
    expect(r.skipped).toEqual(skipRules);
    expect(r.summary.campaign.skipRules).toEqual(skipRules);
    expect(r.report).toContain('  not checked: conformance.unexpected (stands in for a declared difference)\n  not checked: conformance.missing, conformance.state, conformance.message (same)\n');
    const flag = skipRules.map((s) => `${s.rule}=${s.reason}`).join(',');
    expect(r.failure!.rerun).toBe(`npx raftcheck fuzz --impl mutant:majority-off-by-one --skip-rules '${flag}' --runs 32 --seed 1 --nodes 3 --faults mild --duration 3000ms --shrink-runs 40`);
    expect(r.failure!.trace[0]).toMatchObject({ kind: 'header', skipRules });

    // The saved case is judged as the run judged it, by validateTrace as by replay; allRules shows conformance first.
    const saved = r.failure!.saved!.file;
    expect(JSON.parse(fs.readFileSync(saved, 'utf8').split('\n')[0]!)).toMatchObject({ skipRules });
    expect((await validateTrace(saved, { maxErrors: 1 })).errors[0]).toMatchObject({ rule: 'election-safety', line: r.failure!.line });
    expect((await validateTrace(saved, { allRules: true })).errors[0]!.rule).toMatch(/^conformance\./);
    expect((await cli('replay', saved)).code).toBe(0);

    // The CLI's campaign with --skip-rules finds the same failure, summarised the same way.
    const viaCli = await cli('fuzz', '--impl', 'mutant:majority-off-by-one', '--runs', '32', '--seed', '1', '--nodes', '3', '--shrink-runs', '40', '--skip-rules', flag, '--out', tmp(), '--json');
    expect(viaCli.code).toBe(1);
    const { timing: _cli, ...cliSummary } = JSON.parse(viaCli.stdout) as typeof r.summary;
    const { timing: _api, ...apiSummary } = r.summary;
    expect(cliSummary).toEqual(apiSummary);
  }, 180_000);

  it('runFuzz refuses a skip list or a declaration naming rules it does not know, or rules without a reason', async () => {
    for (const skipRules of [[{ rule: 'vote-twice', reason: 'a typo skips nothing' }], [{ rule: 'vote-once', reason: ' ' }], [{ rule: 'vote-once' }], 'vote-once=x']) {
      await expect(runFuzz({ impl: 'reference', runs: 1, out: null, skipRules: skipRules as never }), JSON.stringify(skipRules)).rejects.toThrow(UsageError);
    }
    await expect(runFuzz({ impl: 'reference', runs: 1, out: null, skipRules: [{ rule: 'vote-twice', reason: 'x' }] })).rejects.toThrow(/^skipRules\/0: unknown rule 'vote-twice' \(rules: conformance\.unexpected, /);
    const misspelt = defineAdapter({ ...referenceAdapter(), name: 'misspelt', profile: { skipRules: [{ rule: 'conformance.unexpcted', reason: 'pre-vote' }] } });
    await expect(runFuzz({ impl: misspelt, runs: 1, out: null })).rejects.toThrow(/^impl: misspelt: profile\.skipRules\/0: unknown rule 'conformance\.unexpcted'/);
    await expect(runFuzz({ impl: './test/fixtures/adapters/misspelt-rule-adapter.ts', runs: 1, out: null })).rejects.toThrow(UsageError);
  });
});
