/**
 * `npx tsx tools/resave-regressions.ts CASE.jsonl...`: re-runs each saved regression case's
 * schedule with the current code (its implementation, interleaved if it was found so) and saves
 * it again in place — for when what a run writes changes (a header field, a message's form)
 * but the schedule and the verdict do not. It refuses a case whose verdict (rule and line)
 * would change: that is a behaviour change to look at, not a file to refresh.
 */
import fs from 'node:fs';
import path from 'node:path';
import { resolveImplementation } from '../harness/fuzz/implementations.js';
import { loadRegression, saveRegression } from '../harness/fuzz/regression.js';
import { runSchedule } from '../harness/fuzz/run-schedule.js';
import { readHeader } from '../harness/trace/read-header.js';

let failed = false;
for (const file of process.argv.slice(2)) {
  const meta = loadRegression(file);
  const impl = resolveImplementation(meta.impl, meta.interleave ? { async: { interleave: true } } : {});
  if ('error' in impl) throw new Error(`${file}: ${impl.error}`);
  const fuzz = readHeader(file)?.meta?.fuzz;
  const outcome = runSchedule(meta.schedule, impl, { keepLines: true, ...(fuzz !== undefined ? { meta: { fuzz } } : {}) });
  const error = outcome.error;
  if (!error || error.rule !== meta.rule || error.line !== meta.line) {
    console.error(`${file}: now ${error ? `[${error.rule}] at line ${error.line}` : 'passes'}, was [${meta.rule}] at line ${meta.line}: not saved`);
    failed = true;
    continue;
  }
  fs.rmSync(file);
  const saved = saveRegression(path.dirname(file), outcome.lines, { ...meta, message: error.message }, outcome.decidedLine);
  console.log(`${saved.file}: [${error.rule}] at line ${error.line}`);
}
process.exit(failed ? 1 : 0);
