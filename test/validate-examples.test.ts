import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './helpers/cli.js';

const EXAMPLES = 'traces/examples';
const expected = JSON.parse(fs.readFileSync(`${EXAMPLES}/expected-invalid.json`, 'utf8')) as Record<string, { rule: string; line: number }>;

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? filesUnder(path.join(dir, d.name)) : [path.join(dir, d.name)]));
}

describe('example traces', () => {
  const invalid = filesUnder(`${EXAMPLES}/invalid`).map((f) => path.relative(`${EXAMPLES}/invalid`, f)).sort();

  it('expected-invalid.json lists exactly the files under invalid/', () => {
    expect(Object.keys(expected).sort()).toEqual(invalid);
  });

  it('every invalid file sits in the folder of the rule it breaks', () => {
    for (const [file, e] of Object.entries(expected)) expect(file.split('/')[0]).toBe(e.rule);
  });

  for (const file of invalid) {
    it(`invalid/${file} fails with its rule at line ${expected[file]?.line}`, async () => {
      const full = `${EXAMPLES}/invalid/${file}`;
      const { rule, line } = expected[file]!;
      // Alone, the rule trips first at the expected line...
      const only = rule.startsWith('schema.') || rule === 'unconstrained' ? [] : ['--only', rule];
      const r = await cli('validate', ...only, full);
      expect(r.code).toBe(1);
      const first = r.stdout.split('\n')[0]!;
      expect(first.startsWith(`${full}:${line}: `), first).toBe(true);
      expect(first.endsWith(`[${rule}]`), first).toBe(true);
      expect(r.stderr).toBe('');
      // ...and with every rule on, the trace fails no earlier than that line.
      const all = await cli('validate', full);
      expect(all.code).toBe(1);
      expect(Number(all.stdout.split('\n')[0]!.slice(full.length + 1).split(':')[0])).toBe(line);
    });
  }

  const valid = fs.existsSync(`${EXAMPLES}/valid`) ? filesUnder(`${EXAMPLES}/valid`).filter((f) => f.endsWith('.jsonl')).sort() : [];
  it('has valid examples', () => expect(valid.length).toBeGreaterThanOrEqual(3));
  for (const file of valid) {
    it(`${file} is valid`, async () => {
      const r = await cli('validate', file);
      expect(r.stdout).toMatch(/: valid \(/);
      expect(r.code).toBe(0);
    });
  }
});

describe('Jepsen example histories (traces/examples/jepsen)', () => {
  const JEPSEN = `${EXAMPLES}/jepsen`;
  const expectedJepsen = JSON.parse(fs.readFileSync(`${JEPSEN}/expected-invalid.json`, 'utf8')) as Record<string, { rule: string; line: number }>;
  const invalidJepsen = fs.readdirSync(`${JEPSEN}/invalid`).sort();
  const validJepsen = fs.readdirSync(`${JEPSEN}/valid`).sort();
  const readme = fs.readFileSync(`${JEPSEN}/README.md`, 'utf8');

  it('expected-invalid.json lists exactly the files under invalid/, and the README explains every file', () => {
    expect(Object.keys(expectedJepsen).sort()).toEqual(invalidJepsen);
    expect(validJepsen.length).toBeGreaterThanOrEqual(3);
    for (const file of [...invalidJepsen, ...validJepsen]) expect(readme).toContain(`\`${file}\``);
  });

  for (const file of validJepsen) {
    it(`valid/${file} is linearizable`, async () => {
      const r = await cli('validate', '--format', 'jepsen', `${JEPSEN}/valid/${file}`);
      expect(r.stdout).toMatch(/: valid \(\d+ events, \d+ client operations linearizable\)\n$/);
      expect(r.code).toBe(0);
    });
  }

  for (const file of invalidJepsen) {
    it(`invalid/${file} fails with ${expectedJepsen[file]?.rule} at line ${expectedJepsen[file]?.line}`, async () => {
      const full = `${JEPSEN}/invalid/${file}`;
      const { rule, line } = expectedJepsen[file]!;
      const r = await cli('validate', '--format', 'jepsen', full);
      expect(r.code).toBe(1);
      const first = r.stdout.split('\n')[0]!;
      expect(first.startsWith(`${full}:${line}: `), first).toBe(true);
      expect(first.endsWith(`[${rule}]`), first).toBe(true);
      expect(r.stderr).toBe('');
    });
  }
});

describe('rule documentation', () => {
  it('every rule id is documented in spec/ and has an invalid example', async () => {
    const { ALL_RULES } = await import('../harness/validate/validate-file.js');
    const docs = ['spec/TRACE_FORMAT.md', 'spec/invariants.md', 'spec/CONFORMANCE.md'].map((f) => fs.readFileSync(f, 'utf8')).join('\n');
    const folders = new Set(fs.readdirSync(`${EXAMPLES}/invalid`));
    for (const rule of ALL_RULES) {
      expect(docs, rule.id).toContain(`\`${rule.id}\``);
      expect(folders.has(rule.id), `traces/examples/invalid/${rule.id}/`).toBe(true);
    }
  });
});

describe('hidden steps (spec/CONFORMANCE.md)', () => {
  const strip = (file: string, drop: (l: Record<string, unknown>) => boolean) =>
    fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => !drop(l)).map((l) => JSON.stringify(l)).join('\n') + '\n';
  const tmp = (name: string, text: string) => {
    const p = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'raftcheck-hidden-')), name);
    fs.writeFileSync(p, text);
    return p;
  };
  it('a trace that does not log election timeouts is still valid', async () => {
    const f = tmp('no-timeouts.jsonl', strip(`${EXAMPLES}/valid/leader-crash-reelection-3.jsonl`, (l) => l.kind === 'timeout' && l.timer === 'election'));
    const r = await cli('validate', f);
    expect(r.stdout).toMatch(/: valid \(/);
  });
  it('a trace that logs a term change before the message carrying it is still valid', async () => {
    // Move n2's first `term` event before the receive that caused it.
    const lines = fs.readFileSync(`${EXAMPLES}/valid/election-3.jsonl`, 'utf8').trim().split('\n');
    const receive = lines.findIndex((l) => l.includes('"kind":"receive","node":"n2"'));
    const term = lines.findIndex((l, i) => i > receive && l.includes('"kind":"term","node":"n2"'));
    const moved = [...lines];
    const [t] = moved.splice(term, 1);
    moved.splice(receive, 0, t!.replace(/"state":\{[^}]*\}/, '"state":{"term":1}'));
    // The receive, now after the term change, shows the state with the new term.
    moved[receive + 1] = moved[receive + 1]!.replace('"state":{"role":"follower","term":0', '"state":{"role":"follower","term":1');
    // Sequence numbers must still increase per node: renumber n2.
    let seq = 0;
    const renumbered = moved.map((l) => (l.includes('"node":"n2"') ? l.replace(/"seq":\d+/, `"seq":${seq++}`) : l));
    const r = await cli('validate', tmp('term-first.jsonl', renumbered.join('\n') + '\n'));
    expect(r.stdout).toMatch(/: valid \(/);
  });
});
