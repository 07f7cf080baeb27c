import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveImplementation } from '../harness/fuzz/implementations.js';
import { loadRegression, saveRegression } from '../harness/fuzz/regression.js';
import { runSchedule } from '../harness/fuzz/run-schedule.js';
import type { ViewModel } from '../harness/viewer/model.js';
import { reportPathFor } from '../harness/viewer/write-report.js';
import { cli } from './helpers/cli.js';

const VALID = 'traces/examples/valid/election-and-writes-3.jsonl';
const FIG8 = 'traces/examples/invalid/commit-current-term/figure-8-commit-old-term-by-counting.jsonl';
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'raftcheck-viewcli-'));

function modelOf(html: string): ViewModel {
  return JSON.parse(/<script type="application\/json" id="trace-data">([^]*?)<\/script>/.exec(html)![1]!) as ViewModel;
}

describe('raftcheck view', () => {
  it('writes the report of a valid trace (exit 0) and of an invalid one (exit 1, opening on its violation)', async () => {
    const dir = tmp();
    const ok = await cli('view', VALID, '-o', path.join(dir, 'r.html'));
    expect(ok.code).toBe(0);
    expect(ok.stderr).toMatch(new RegExp(`^wrote ${dir}/r\\.html \\(72 events, \\d+ KiB; trace valid\\)\\n$`));
    const html = fs.readFileSync(path.join(dir, 'r.html'), 'utf8');
    expect(html).toContain('<title>raftcheck · election-and-writes-3.jsonl</title>');
    expect(modelOf(html).nodes).toEqual(['n1', 'n2', 'n3']);
    const bad = await cli('view', FIG8, '-o', path.join(dir, 'f.html'), '--title', 'Figure 8 <bug>', '--max-errors', '2');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/trace invalid, opens on line 48 \[commit-current-term\]\)\n$/);
    const fig8 = fs.readFileSync(path.join(dir, 'f.html'), 'utf8');
    expect(fig8).toContain('<title>raftcheck · Figure 8 &#60;bug&#62;</title>');
    const m = modelOf(fig8);
    expect(m.verdict.errors).toHaveLength(2);
    await cli('view', FIG8, '-o', path.join(dir, 'all.html'));
    const all = modelOf(fs.readFileSync(path.join(dir, 'all.html'), 'utf8')).verdict.errors;
    expect(all.length).toBeGreaterThan(2);
    expect(m.verdict.errors).toEqual(all.slice(0, 2));
  });

  it('defaults the report to the trace path with .html, and never replaces a file without --force, nor the trace ever', async () => {
    const dir = tmp();
    const trace = path.join(dir, 'run.jsonl');
    fs.copyFileSync(VALID, trace);
    expect((await cli('view', trace)).code).toBe(0);
    expect(fs.existsSync(path.join(dir, 'run.html'))).toBe(true);
    const again = await cli('view', trace);
    expect([again.code, again.stderr]).toEqual([2, `raftcheck view: ${dir}/run.html: already exists (use --force to replace it)\n`]);
    expect((await cli('view', trace, '--force')).code).toBe(0);
    const self = await cli('view', trace, '-o', trace, '--force');
    expect([self.code, self.stderr]).toEqual([2, `raftcheck view: -o ${trace}: is one of the inputs (refusing to overwrite it)\n`]);
    expect(fs.readFileSync(trace, 'utf8')).toBe(fs.readFileSync(VALID, 'utf8'));
    expect(reportPathFor('a/b.ndjson')).toBe('a/b.html');
    expect(reportPathFor('trace')).toBe('trace.html');
  });

  it('bad input: one line, exit 2, no stack trace', async () => {
    const dir = tmp();
    const cases: Array<[string[], RegExp]> = [
      [[], /^raftcheck view: no trace file given\nSee 'raftcheck view --help'\.\n$/],
      [[VALID, FIG8], /one trace at a time \(got 2\)/],
      [['nope.jsonl'], /^raftcheck view: nope\.jsonl: no such file\n$/],
      [['traces/examples/valid'], /is a directory \(give one trace file\)/],
      [['traces/examples/invalid/schema.header/empty.jsonl', '-o', path.join(dir, 'e.html')], /^raftcheck view: traces\/examples\/invalid\/schema\.header\/empty\.jsonl:1: empty trace: expected a header line \[schema\.header\]: cannot draw a trace without its header\n$/],
      [['traces/examples/invalid/schema.parse/not-json.jsonl', '-o', '-'], /-o: the report is a file/],
      [[VALID, '--max-errors', '0'], /--max-errors: must be a positive integer, got 0/],
      [[VALID, '-o', path.join(dir, 'no-such-dir', 'x', 'r.html'), '--bogus'], /Unknown option '--bogus'/],
    ];
    for (const [args, message] of cases) {
      const r = await cli('view', ...args);
      expect([args, r.code]).toEqual([args, 2]);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(fs.existsSync(path.join(dir, 'e.html'))).toBe(false);
  });

  it('a trace with a structural error past its header is drawn, opening on that line', async () => {
    const dir = tmp();
    const r = await cli('view', 'traces/examples/invalid/schema.seq/seq-not-increasing.jsonl', '-o', path.join(dir, 's.html'));
    expect(r.code).toBe(1);
    const m = modelOf(fs.readFileSync(path.join(dir, 's.html'), 'utf8'));
    expect(m.verdict.errors[0]!.rule).toBe('schema.seq');
    expect(m.verdict.errors[0]!.exact).toBe(true);
  });

  it('has full help', async () => {
    const r = await cli('view', '--help');
    expect(r.code).toBe(0);
    for (const option of ['-o, --out FILE', '--force', '--title TEXT', '--max-errors N', 'Exit codes:', 'Examples:']) expect(r.stdout).toContain(option);
    expect((await cli('--help')).stdout).toMatch(/\n {2}view +write a self-contained HTML report/);
  });
});

describe('fuzzing writes a report next to each regression case', () => {
  it('with the same base name, opening on the recorded violation', () => {
    const source = fs.readdirSync('traces/regressions').filter((f) => f.endsWith('.jsonl')).sort()[0]!;
    const meta = loadRegression(path.join('traces/regressions', source));
    const impl = resolveImplementation(meta.impl);
    if ('error' in impl) throw new Error(impl.error);
    const outcome = runSchedule(meta.schedule, impl, { keepLines: true });
    const dir = tmp();
    const saved = saveRegression(dir, outcome.lines, meta);
    expect(saved.created).toBe(true);
    const report = saved.file.replace(/\.jsonl$/, '.html');
    const m = modelOf(fs.readFileSync(report, 'utf8'));
    const lines = m.events.line.reduce<number[]>((acc, x) => [...acc, (acc.at(-1) ?? 0) + x], []);
    expect(m.verdict.errors).toContainEqual(expect.objectContaining({ rule: meta.rule, line: meta.line }));
    expect(lines[m.focus]).toBeLessThanOrEqual(meta.line);
    expect(lines.at(-1)).toBe(meta.line); // the case stops at its violation
  });
});
