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
  /** The rule the trace nearly trips. */
  rule: string;
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

const expected = JSON.parse(fs.readFileSync('traces/examples/expected-valid.json', 'utf8')) as Record<string, NearMiss[]>;
const readme = fs.readFileSync(`${VALID}/README.md`, 'utf8');
const nearMissFiles = fs.readdirSync(VALID).filter((f) => f.startsWith('near-miss-')).sort();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raftcheck-near-miss-'));

interface JsonReport {
  files: Array<{ errors: Array<{ line: number; rule: string }> }>;
}

/** The errors `raftcheck validate` reports for one file, all of them. */
async function errors(file: string, ...options: string[]) {
  const r = await cli('validate', '--json', '--max-errors', '1000', ...options, file);
  return (JSON.parse(r.stdout) as JsonReport).files[0]!.errors.map(({ rule, line }) => ({ rule, line }));
}

describe('near-miss traces (traces/examples/valid/near-miss-*)', () => {
  it('expected-valid.json maps exactly the near-miss files, and the README explains each', () => {
    expect(Object.keys(expected).sort()).toEqual(nearMissFiles);
    for (const file of nearMissFiles) expect(readme, `${VALID}/README.md`).toContain(`\`${file}\``);
  });

  it('every semantic rule, and unconstrained, has a near miss; every rule named exists', () => {
    const ids = new Set(ALL_RULES.map((r) => r.id));
    const nearlyTripped = new Set(Object.values(expected).flatMap((nearMisses) => nearMisses.map((n) => n.rule)));
    for (const rule of nearlyTripped) expect(ids.has(rule) || rule === 'unconstrained', rule).toBe(true);
    for (const rule of ALL_RULES.filter((r) => r.layer === 'semantic')) expect(nearlyTripped.has(rule.id), rule.id).toBe(true);
    expect(nearlyTripped.has('unconstrained')).toBe(true);
  });

  it.each(Object.keys(NEAR_MISSES))('%s is what its generator writes (npm run gen:near-misses)', (file) => {
    expect(fs.readFileSync(`${VALID}/${file}`, 'utf8')).toBe(NEAR_MISSES[file]!());
  });

  for (const [file, nearMisses] of Object.entries(expected)) {
    nearMisses.forEach((near, n) => {
      it(`${file} trips ${near.rule} when ${near.mutation}`, async () => {
        const { rule } = near;
        expect((await cli('validate', `${VALID}/${file}`)).code, 'the near miss itself is valid').toBe(0);
        const edited = applyEdits(fs.readFileSync(`${VALID}/${file}`, 'utf8'), near.edits);
        const at = near.trips ? locate(edited.values, near.trips) : edited.touched[0]!;
        const target = path.join(dir, `${n}-${file}`);
        fs.writeFileSync(target, edited.text);
        // The rule alone trips first exactly there...
        const semantic = !rule.startsWith('schema.') && rule !== 'unconstrained';
        expect((await errors(target, ...(semantic ? ['--only', rule] : [])))[0], `${rule} alone`).toEqual({ rule, line: at });
        // ...and with every rule on it trips there too, first, unless the mapping names the
        // rule that necessarily trips before it.
        const all = await errors(target);
        expect(all).toContainEqual({ rule, line: at });
        const first = near.first ? { rule: near.first.rule, line: locate(edited.values, near.first.at) } : { rule, line: at };
        expect(all[0], 'the first error with every rule on').toEqual(first);
        expect(first.line, 'a rule declared to trip first trips no later').toBeLessThanOrEqual(at);
      });
    });
  }
});
