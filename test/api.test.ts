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
});

describe('runFuzz', () => {
  it('passes the reference, deterministically, saving nothing', async () => {
    const out = tmp();
    const options = { impl: 'reference', runs: 10, seed: 3, nodes: [3], durationMs: 1500, out } as const;
    const a = await runFuzz(options);
    expect(a).toMatchObject({ passed: true, failure: null, summary: { evaluated: 10, outcomes: { passed: 10, failed: 0 } } });
    expect(a.report).toMatch(/^reference: no failure in 10 runs/);
    expect(await runFuzz(options)).toEqual(a);
    expect(fs.readdirSync(out)).toEqual([]);
  });

  it('returns a shrunk failure with its trace, its saved case and the commands to replay it', async () => {
    const out = tmp();
    const write = vi.spyOn(process.stdout, 'write');
    const r = await runFuzz({ impl: 'mutant:vote-twice', runs: 50, seed: 1, out });
    expect(write).not.toHaveBeenCalled();
    write.mockRestore();
    expect(r.passed).toBe(false);
    const f = r.failure!;
    expect(f.rule).toBe('vote-once');
    expect(f.trace[0]).toMatchObject({ kind: 'header' });
    expect(f.trace).toHaveLength(f.line);
    expect(f.saved?.created).toBe(true);
    expect(fs.existsSync(f.saved!.file)).toBe(true);
    expect(f.replay).toBe(`npx raftcheck replay ${f.saved!.file}`);
    expect(f.rerun).toBe('npx raftcheck fuzz --impl mutant:vote-twice --runs 50 --seed 1 --nodes 3,5 --faults mild --duration 3000ms');
    // The replay command does what it says.
    const replay = await cli('replay', f.saved!.file);
    expect(replay.code).toBe(0);
    // The same failure as the CLI's.
    const viaCli = await cli('fuzz', '--impl', 'mutant:vote-twice', '--runs', '50', '--seed', '1', '--out', tmp(), '--json');
    expect(JSON.parse(viaCli.stdout)).toEqual(r.summary);
    // out: null saves nothing.
    const unsaved = await runFuzz({ impl: 'mutant:vote-twice', runs: 50, seed: 1, out: null });
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
