/**
 * The "must not trip" half of the house rule: every rule has a near-miss trace in
 * traces/examples/valid/ that is legal, and that a small edit, given in
 * traces/examples/expected-valid.json, turns into a violation of exactly that rule.
 * The edit is what shows the near miss is near.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_RULES } from '../harness/validate/validate-file.js';
import { cli } from './helpers/cli.js';
import { NEAR_MISSES } from './helpers/near-misses.js';
import { applyEdits, locate, type Edit, type Pattern } from './helpers/trace-edits.js';

const VALID = 'traces/examples/valid';

interface NearMiss {
  /** The violation the edit makes of the legal trace. */
  mutation: string;
  edits: Edit[];
  /** Where the rule trips in the edited trace (default: the first line an edit changed or inserted). */
  trips?: Pattern;
  /**
   * With every rule on, the first error, when it is another rule's on an earlier line: some
   * edits cannot help breaking the reference's behaviour (conformance) before they break the
   * cluster-wide property they are about.
   */
  first?: { rule: string; at: Pattern };
}

const expected = JSON.parse(fs.readFileSync('traces/examples/expected-valid.json', 'utf8')) as Record<string, Record<string, NearMiss>>;
const readme = fs.readFileSync(`${VALID}/README.md`, 'utf8');
const nearMissFiles = fs.readdirSync(VALID).filter((f) => f.startsWith('near-miss-')).sort();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raftcheck-near-miss-'));

interface JsonReport {
  valid: boolean;
  files: Array<{ errors: Array<{ line: number; rule: string; message: string }> }>;
}

async function firstError(file: string, ...options: string[]) {
  const r = await cli('validate', '--json', ...options, file);
  const report = JSON.parse(r.stdout) as JsonReport;
  return report.files[0]!.errors[0];
}

describe('near-miss traces (traces/examples/valid/near-miss-*)', () => {
  it('expected-valid.json maps exactly the near-miss files, and the README explains each', () => {
    expect(Object.keys(expected).sort()).toEqual(nearMissFiles);
    for (const file of nearMissFiles) expect(readme, `${VALID}/README.md`).toContain(`\`${file}\``);
  });

  it('every semantic rule, and unconstrained, has a near miss; every rule named exists', () => {
    const ids = new Set(ALL_RULES.map((r) => r.id));
    const nearlyTripped = new Set(Object.values(expected).flatMap((rules) => Object.keys(rules)));
    for (const rule of nearlyTripped) expect(ids.has(rule) || rule === 'unconstrained', rule).toBe(true);
    for (const rule of ALL_RULES.filter((r) => r.layer === 'semantic')) expect(nearlyTripped.has(rule.id), rule.id).toBe(true);
    expect(nearlyTripped.has('unconstrained')).toBe(true);
  });

  it.each(Object.keys(NEAR_MISSES))('%s is what its generator writes (npm run gen:near-misses)', (file) => {
    expect(fs.readFileSync(`${VALID}/${file}`, 'utf8')).toBe(NEAR_MISSES[file]!());
  });

  const cases = Object.entries(expected).flatMap(([file, rules]) => Object.entries(rules).map(([rule, near]) => ({ file, rule, near })));
  it.each(cases)('$file, edited so that $near.mutation, trips $rule', async ({ file, rule, near }) => {
    const original = fs.readFileSync(`${VALID}/${file}`, 'utf8');
    expect((await cli('validate', `${VALID}/${file}`)).code, 'the near miss itself is valid').toBe(0);
    const edited = applyEdits(original, near.edits);
    const at = near.trips ? locate(edited.values.map((value) => ({ value })), near.trips) + 1 : edited.touched[0]!;
    const target = path.join(dir, `${rule}--${file}`);
    fs.writeFileSync(target, edited.text);
    // The rule alone trips first exactly there...
    const semantic = !rule.startsWith('schema.') && rule !== 'unconstrained';
    const alone = await firstError(target, ...(semantic ? ['--only', rule] : []));
    expect(alone, `${rule} alone`).toMatchObject({ rule, line: at });
    // ...and with every rule on, it is the first error too, unless the mapping names the
    // other rule that necessarily trips earlier.
    const all = await firstError(target);
    const first = near.first ? { rule: near.first.rule, line: locate(edited.values.map((value) => ({ value })), near.first.at) + 1 } : { rule, line: at };
    expect(all, 'with every rule on').toMatchObject(first);
    if (near.first) expect(first.line, 'a declared earlier error is earlier').toBeLessThanOrEqual(at);
  });
});
