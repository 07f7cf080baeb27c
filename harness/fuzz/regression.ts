/**
 * Regression cases: the minimal failing run of a fuzzing campaign, saved as a trace whose
 * header carries the schedule and the implementation, so that it can be replayed exactly.
 * Files are named `<rule>-<hash of schedule and implementation>.jsonl` and never overwritten;
 * each gets its HTML report (`.html`, see harness/viewer/) beside it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_NODE_CONFIG } from '../../src/raft/types.js';
import type { Header, SkipRule, TraceLine } from '../../src/trace/schema.js';
import { unknownSkipRule } from '../checker/skip-rules.js';
import { TraceFileWriter } from '../trace/writer.js';
import { readHeader } from '../trace/read-header.js';
import { reportPathFor, writeReport } from '../viewer/write-report.js';
import type { Schedule } from './schedule.js';


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

/** A failing run's lines up to its verdict (harness/fuzz/run-schedule.ts, `decidedLine`): what a regression case keeps. */
export function verdictLines(outcome: { lines: TraceLine[]; error?: { line: number }; decidedLine?: number }): TraceLine[] {
  return outcome.lines.slice(0, outcome.decidedLine ?? outcome.error?.line ?? outcome.lines.length);
}

/**
 * Writes the case unless an identical one exists; returns its path and whether it was new. It
 * keeps the lines up to `upTo` (default: the violation's line; a run whose verdict needed later
 * lines passes its `decidedLine`).
 */
export function saveRegression(dir: string, lines: TraceLine[], meta: RegressionMeta, upTo = meta.line): { file: string; created: boolean } {
  const file = path.join(dir, `${meta.rule}-${caseHash(meta.impl, meta.schedule, meta.interleave)}.jsonl`);
  if (fs.existsSync(file)) return { file, created: false };
  const writer = new TraceFileWriter(file);
  const [header, ...rest] = lines;
  if (!header || header.kind !== 'header') throw new Error('a regression trace starts with its header');
  writer.write({ ...header, meta: { ...(header.meta ?? {}), regression: meta } } as Header);
  for (const line of rest.slice(0, Math.max(upTo, meta.line) - 1)) writer.write(line);
  writer.close();
  // The HTML report beside it (same base name) opens on the violation: `raftcheck view` for free.
  // The report judges as the run did: the header's skipRules (an interleaved run's list names the conformance rules).
  writeReport(file, reportPathFor(file), { overwrite: true });
  return { file, created: true };
}

/** A saved case: what replays it, and the rules its run skipped (the header's `skipRules`). */
export interface RegressionCase {
  meta: RegressionMeta;
  skipRules: SkipRule[];
}

/** Reads the regression metadata from a file's header; throws a one-line Error otherwise. */
export function loadRegression(file: string): RegressionMeta {
  return loadRegressionCase(file).meta;
}

/** Reads a saved case's header: its regression metadata and recorded skip list; throws a one-line Error otherwise. */
export function loadRegressionCase(file: string): RegressionCase {
  const header = readHeader(file);
  const meta: unknown = header?.meta?.regression;
  if (!isRegressionMeta(meta)) throw new Error(`${file}:1: /meta/regression: not a regression case (no schedule and implementation in the header)`);
  const heartbeat = meta.schedule.heartbeatMs;
  if (heartbeat !== undefined && !(Number.isSafeInteger(heartbeat) && heartbeat >= 1 && heartbeat < DEFAULT_NODE_CONFIG.electionTimeout.min)) {
    // A heartbeat of 0 would never let virtual time advance.
    throw new Error(`${file}:1: /meta/regression/schedule/heartbeatMs: must be an integer from 1 to ${DEFAULT_NODE_CONFIG.electionTimeout.min - 1} (below the election timeout), got ${JSON.stringify(heartbeat)}`);
  }
  const skipRules = header?.skipRules ?? [];
  const unknown = unknownSkipRule(skipRules);
  if (unknown) throw new Error(`${file}:1: /skipRules/${unknown.index}/rule: ${unknown.message}`);
  return { meta, skipRules };
}

/** Whether a value read from JSON carries what replaying a case needs. */
export function isRegressionMeta(value: unknown): value is RegressionMeta {
  const meta = value as Partial<RegressionMeta> | null | undefined;
  return typeof meta === 'object' && meta !== null && typeof meta.impl === 'string' && typeof meta.rule === 'string' && (meta.interleave === undefined || typeof meta.interleave === 'boolean') && typeof meta.schedule === 'object' && meta.schedule !== null && Array.isArray(meta.schedule.fates);
}
