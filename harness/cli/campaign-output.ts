/**
 * What `raftcheck fuzz` and `raftcheck merge-results` leave behind: the regression case of the
 * campaign's failure (never overwriting), the JSON summary (atomically), and the report.
 */
import { InputError, type CliIO } from './command.js';
import type { TraceLine } from '../../src/trace/schema.js';
import { saveRegression, type RegressionMeta } from '../fuzz/regression.js';
import { regressionOf, type FuzzSummary } from '../fuzz/summary.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { checkOutputDir, checkOutputFile } from './outputs.js';

const detail = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Saves a regression case under `out` (never overwriting), the lines up to `upTo`; a directory that cannot take it is an input error. */
export function saveCase(out: string, meta: RegressionMeta, lines: TraceLine[], upTo = lines.length): { file: string; created: boolean } {
  try {
    return saveRegression(out, lines, meta, upTo);
  } catch (e) {
    throw new InputError(`cannot save the regression case in ${out}: ${detail(e)}`);
  }
}

/** The outputs of a campaign, checked before it starts: `--out DIR` and `--summary FILE` (replaced only with `--force`). */
export interface CampaignOutputs {
  out: string;
  summary: string | undefined;
  force: boolean;
}

export function checkCampaignOutputs(outputs: CampaignOutputs, inputs: readonly string[] = []): void {
  checkOutputDir('--out', outputs.out);
  if (outputs.summary !== undefined) checkOutputFile('--summary', outputs.summary, { force: outputs.force, inputs });
}

/** Saves the failure's regression case under `out` and, if asked, the summary; returns the case. */
export function saveCampaignOutputs(summary: FuzzSummary, outputs: CampaignOutputs): { file: string; created: boolean } | undefined {
  const { out, summary: summaryFile } = outputs;
  let saved: { file: string; created: boolean } | undefined;
  if (summary.failure) {
    const { meta, lines } = regressionOf(summary.failure);
    saved = saveCase(out, meta, lines);
  }
  if (summaryFile !== undefined) {
    try {
      writeFileAtomic(summaryFile, `${JSON.stringify(summary)}\n`, { overwrite: outputs.force });
    } catch (e) {
      throw new InputError(`--summary: cannot write ${summaryFile}: ${detail(e)}`);
    }
  }
  return saved;
}

/** The report on stdout; with --json, stdout is the summary alone and the report (seed, replay commands) goes to stderr. */
export function printCampaign(io: CliIO, summary: FuzzSummary, report: string, json: boolean): void {
  if (json) {
    io.out(`${JSON.stringify(summary)}\n`);
    io.err(report);
  } else io.out(report);
}
