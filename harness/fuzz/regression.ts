/**
 * Regression cases: the minimal failing run of a fuzzing campaign, saved as a trace whose
 * header carries the schedule and the implementation, so that it can be replayed exactly.
 * Files are named `<rule>-<hash of schedule and implementation>.jsonl` and never overwritten;
 * each gets its HTML report (`.html`, see harness/viewer/) beside it.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Header, TraceLine } from '../../src/trace/schema.js';
import { TraceFileWriter } from '../trace/writer.js';
import { readTraceFile } from '../trace/reader.js';
import { reportPathFor, writeReport } from '../viewer/write-report.js';
import { CONFORMANCE_RULES } from '../checker/conformance/conformance.js';
import { SEMANTIC_RULES } from '../checker/semantic-checker.js';
import type { Schedule } from './schedule.js';

const WITHOUT_CONFORMANCE: ReadonlySet<string> = new Set(SEMANTIC_RULES.map((r) => r.id).filter((id) => !CONFORMANCE_RULES.some((c) => c.id === id)));

export interface RegressionMeta {
  impl: string;
  /** Found with --interleave (an asynchronous adapter's handlers overlapping): replayed with it. */
  interleave?: boolean;
  schedule: Schedule;
  rule: string;
  line: number;
  message: string;
  found: { seed: number; faults: string; runs: number };
}

export function caseHash(impl: string, schedule: Schedule, interleave = false): string {
  const text = `${impl}${interleave ? ' --interleave' : ''}\n${JSON.stringify(schedule)}`;
  let h1 = 0x811c9dc5;
  let h2 = 0x9e3779b9;
  for (let i = 0; i < text.length; i++) {
    h1 = Math.imul(h1 ^ text.charCodeAt(i), 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ text.charCodeAt(i), 0x85ebca6b) >>> 0;
  }
  return (h1.toString(16).padStart(8, '0') + h2.toString(16).padStart(8, '0')).slice(0, 12);
}

/** Writes the case unless an identical one exists; returns its path and whether it was new. */
export function saveRegression(dir: string, lines: TraceLine[], meta: RegressionMeta): { file: string; created: boolean } {
  const file = path.join(dir, `${meta.rule}-${caseHash(meta.impl, meta.schedule, meta.interleave)}.jsonl`);
  if (fs.existsSync(file)) return { file, created: false };
  const writer = new TraceFileWriter(file);
  const [header, ...rest] = lines;
  if (!header || header.kind !== 'header') throw new Error('a regression trace starts with its header');
  writer.write({ ...header, meta: { ...(header.meta ?? {}), regression: meta } } as Header);
  for (const line of rest.slice(0, meta.line - 1)) writer.write(line);
  writer.close();
  // The HTML report beside it (same base name) opens on the violation: `raftcheck view` for free.
  // An interleaved run's steps overlap: conformance cannot judge it (it was not checked).
  writeReport(file, reportPathFor(file), { overwrite: true, ...(meta.interleave ? { enabled: WITHOUT_CONFORMANCE } : {}) });
  return { file, created: true };
}

/** Reads the regression metadata from a file's header; throws a one-line Error otherwise. */
export function loadRegression(file: string): RegressionMeta {
  let header: Header | null = null;
  let problem: string | null = null;
  readTraceFile(file, {
    line(value) {
      if (!header && value.kind === 'header') header = value;
    },
    error(e) {
      if (e.line === 1) problem ??= `${file}:1: ${e.path}: ${e.message}`;
    },
  }, { shouldStop: () => header !== null || problem !== null });
  if (problem) throw new Error(problem);
  const meta: unknown = (header as Header | null)?.meta?.regression;
  if (!isRegressionMeta(meta)) throw new Error(`${file}:1: /meta/regression: not a regression case (no schedule and implementation in the header)`);
  return meta;
}

/** Whether a value read from JSON carries what replaying a case needs. */
export function isRegressionMeta(value: unknown): value is RegressionMeta {
  const meta = value as Partial<RegressionMeta> | null | undefined;
  return typeof meta === 'object' && meta !== null && typeof meta.impl === 'string' && typeof meta.rule === 'string' && (meta.interleave === undefined || typeof meta.interleave === 'boolean') && typeof meta.schedule === 'object' && meta.schedule !== null && Array.isArray(meta.schedule.fates);
}
