import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveImplementation } from '../harness/fuzz/implementations.js';
import { loadRegressionCase } from '../harness/fuzz/regression.js';
import { runSchedule } from '../harness/fuzz/run-schedule.js';
import { validateTraceFile } from '../harness/validate/validate-file.js';
import { buildModel } from '../harness/explore/build-model.js';
import { loadExploreCase, replayExploreCase } from '../harness/explore/regression.js';
import type { ExploreModel } from '../harness/explore/model.js';

// Every case the fuzzer ever saved is replayed: a mutant's recorded failure must reproduce
// (a case found with --interleave, interleaved again), and the reference must pass the same schedule.
const DIR = 'traces/regressions';
/** Verdicts about the implementation's run rather than its trace (run-schedule.ts, process and async adapters). */
const RUN_VERDICT = /^(exception|driver\.|adapter\.)/;
const files = fs.existsSync(DIR) ? fs.readdirSync(DIR).filter((f) => f.endsWith('.jsonl')).sort() : [];

describe('regression cases in traces/regressions/', () => {
  it('there is at least one case (the suite grows from found bugs)', () => expect(files.length).toBeGreaterThan(0));
  for (const file of files) {
    // A case saved by `raftcheck explore` records its path's actions, not a schedule.
    const explored = loadExploreCase(path.join(DIR, file));
    if (explored) {
      const model = (impl: string) => buildModel(impl, explored.bounds) as ExploreModel;
      it(`${file}: explore path — ${explored.impl} still fails [${explored.rule}] at line ${explored.line}, the reference passes its actions`, () => {
        const again = replayExploreCase(model(explored.impl), explored.actions);
        expect(again.verdict).toMatchObject({ rule: explored.rule, line: explored.line });
        expect(again.trace.map((l) => JSON.stringify(l))).toEqual(fs.readFileSync(path.join(DIR, file), 'utf8').trim().split('\n').map((l, k) => (k === 0 ? JSON.stringify(again.trace[0]) : l)));
        expect(replayExploreCase(model('reference'), explored.actions, true).verdict).toBeNull();
      });
      it(`${file}: its saved trace fails first with [${explored.rule}] at line ${explored.line}`, () => {
        for (const maxErrors of [1, 20]) expect(validateTraceFile(path.join(DIR, file), { maxErrors }).errors[0]).toMatchObject({ rule: explored.rule, line: explored.line });
      });
      continue;
    }
    // The implementation is judged as the fuzz run judged it: without the rules its header records as not checked.
    const { meta, skipRules } = loadRegressionCase(path.join(DIR, file));
    const options = meta.interleave ? { async: { interleave: true } } : {};
    if (meta.impl !== 'reference') {
      it(`${file}: ${meta.impl} still fails [${meta.rule}]`, () => {
        const impl = resolveImplementation(meta.impl, options);
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
    if (RUN_VERDICT.test(meta.rule)) {
      // The implementation's own failure (it threw, its driver or adapter misbehaved) is no
      // event of the trace: what it wrote up to then breaks no rule (of those its header does not skip).
      it(`${file}: its saved trace, up to the run's [${meta.rule}] at line ${meta.line}, breaks no rule`, () => {
        const report = validateTraceFile(path.join(DIR, file), { maxErrors: 20 });
        expect(report.errors).toEqual([]);
      });
    } else {
      it(`${file}: its saved trace fails first with [${meta.rule}] at line ${meta.line}, however many errors a report keeps`, () => {
        // The fuzzer keeps one error, validate twenty: which rule comes first must not depend on
        // the cut (several rules may break at one event; harness/checker/verdict-order.ts). The
        // rules the run skipped are the ones its header records, which validation honours.
        for (const maxErrors of [1, 20]) {
          const report = validateTraceFile(path.join(DIR, file), { maxErrors });
          expect(report.errors[0], `--max-errors ${maxErrors}`).toMatchObject({ rule: meta.rule, line: meta.line });
        }
      });
    }
    it(`${file}: the reference passes the same schedule`, () => {
      const outcome = runSchedule(meta.schedule, resolveImplementation('reference') as Exclude<ReturnType<typeof resolveImplementation>, { error: string }>);
      expect(outcome.error).toBeUndefined();
      expect(outcome.ok).toBe(true);
    });
  }
});
