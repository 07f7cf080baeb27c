import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveImplementation } from '../harness/fuzz/implementations.js';
import { loadRegressionCase } from '../harness/fuzz/regression.js';
import { runSchedule } from '../harness/fuzz/run-schedule.js';
import { validateTraceFile } from '../harness/validate/validate-file.js';

// Every case the fuzzer ever saved is replayed: a mutant's recorded failure must reproduce,
// and the reference must pass the same schedule.
const DIR = 'traces/regressions';
const files = fs.existsSync(DIR) ? fs.readdirSync(DIR).filter((f) => f.endsWith('.jsonl')).sort() : [];

describe('regression cases in traces/regressions/', () => {
  it('there is at least one case (the suite grows from found bugs)', () => expect(files.length).toBeGreaterThan(0));
  for (const file of files) {
    // The implementation is judged as the fuzz run judged it: without the rules its header records as not checked.
    const { meta, skipRules } = loadRegressionCase(path.join(DIR, file));
    if (meta.impl !== 'reference') {
      it(`${file}: ${meta.impl} still fails [${meta.rule}]`, () => {
        const impl = resolveImplementation(meta.impl);
        if ('error' in impl) throw new Error(impl.error);
        const outcome = runSchedule(meta.schedule, impl, { keepLines: true, skipRules });
        expect(outcome.ok).toBe(false);
        expect(outcome.error!.rule).toBe(meta.rule);
        expect(outcome.error!.line).toBe(meta.line);
        // The same violating event as the saved trace's.
        const saved = fs.readFileSync(path.join(DIR, file), 'utf8').trim().split('\n');
        expect(JSON.stringify(outcome.lines[meta.line - 1])).toBe(saved[meta.line - 1]);
        // With the features its header declares (the schedule carries them).
        const header = JSON.parse(saved[0]!) as { features?: string[] };
        expect((outcome.lines[0] as { features?: string[] }).features).toEqual(header.features);
      });
    }
    it(`${file}: its saved trace fails first with [${meta.rule}] at line ${meta.line}, however many errors a report keeps`, () => {
      // The fuzzer keeps one error, validate twenty: which rule comes first must not depend on
      // the cut (several rules may break at one event; harness/checker/verdict-order.ts). The
      // rules the run skipped are the ones its header records, which validation honours.
      for (const maxErrors of [1, 20]) {
        const report = validateTraceFile(path.join(DIR, file), { maxErrors });
        expect(report.errors[0], `--max-errors ${maxErrors}`).toMatchObject({ rule: meta.rule, line: meta.line });
      }
    });
    it(`${file}: the reference passes the same schedule`, () => {
      const outcome = runSchedule(meta.schedule, resolveImplementation('reference') as Exclude<ReturnType<typeof resolveImplementation>, { error: string }>);
      expect(outcome.error).toBeUndefined();
      expect(outcome.ok).toBe(true);
    });
  }
});
