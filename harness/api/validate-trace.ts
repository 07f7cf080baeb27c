/**
 * `validateTrace` of the programmatic API: what `raftcheck validate` checks, for one trace
 * given as a file or held in memory, returned as data. Nothing is printed and the process is
 * never exited: a bad argument or an unreadable file is a thrown UsageError or InputError, and
 * so is a line longer than `maxLineBytes` (the reading stops there: `/dev/zero` ends at once).
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TraceLine } from '../../src/trace/schema.js';
import { InputError, UsageError } from '../errors.js';
import { LineTooLongError } from '../trace/reader.js';
import { ALL_RULES, type FileError, type FileReport, type ValidateOptions } from '../validate/validate-file.js';
import { FORMATS, validateInput, validateText, type Format } from '../validate/validate-input.js';
import { formatReport } from '../validate/format-report.js';

/**
 * A trace to check: a path (string or file URL) to a file; `{ text }`, a file's content; or
 * `{ lines }`, its lines in order, each a JSON string or an already parsed line (a header,
 * then events). `name` stands for the file in the report and its errors (default `<trace>`).
 */
export type TraceInput = string | URL | { text: string; name?: string } | { lines: ReadonlyArray<string | TraceLine>; name?: string };

export interface ValidateTraceOptions {
  /** `raftcheck` (trace format v1, the default), `etcd` (an etcd-io/raft trace), `etcd-testdata` (an etcd-io/raft interaction-test transcript), `jepsen` (a register history) or `itf` (an ITF trace of a Raft model, spec/ITF.md). */
  format?: Format;
  /** Errors kept in the report (default 20); `errorCount` counts them all. */
  maxErrors?: number;
  /** Check only these semantic rules (ids as `raftcheck validate --rules` lists them). */
  only?: readonly string[];
  /**
   * Skip these semantic rules, besides those the trace's header declares do not apply (its
   * `skipRules`: a fuzz run records its implementation's there, and the report lists them in `skipped`).
   */
  skip?: readonly string[];
  /** Ignore the header's `skipRules`: check those rules too, as `raftcheck validate --all-rules` (for reviewers). */
  allRules?: boolean;
  /** Check the schema level only. */
  schemaOnly?: boolean;
  /** Longest accepted line in bytes (default 4 MiB); a longer line is an InputError naming it. */
  maxLineBytes?: number;
}

/** The verdict on one trace: `valid`, and every error with its line, rule and message. */
export type TraceReport = FileReport;
export type TraceError = FileError;

const DEFAULT_NAME = '<trace>';

function positiveInt(name: string, value: number | undefined, min: number): number | undefined {
  if (value !== undefined && (!Number.isSafeInteger(value) || value < min)) throw new UsageError(`${name}: expected an integer of at least ${min}, got ${String(value)}`);
  return value;
}

function selectRules(only: readonly string[] | undefined, skip: readonly string[] | undefined): ReadonlySet<string> | undefined {
  if (only === undefined && skip === undefined) return undefined;
  const known = new Set(ALL_RULES.filter((r) => r.layer === 'semantic').map((r) => r.id));
  const check = (option: string, ids: readonly string[]) => {
    for (const id of ids) if (!known.has(id)) throw new UsageError(`${option}: unknown rule '${id}' (semantic rules: ${[...known].join(', ')})`);
    return ids;
  };
  const chosen = new Set(only !== undefined ? check('only', only) : known);
  for (const id of check('skip', skip ?? [])) chosen.delete(id);
  return chosen;
}

function readableFile(file: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new InputError(`${file}: no such file`);
  }
  if (stat.isDirectory()) throw new InputError(`${file}: is a directory`);
  try {
    fs.accessSync(file, fs.constants.R_OK);
  } catch {
    throw new InputError(`${file}: not readable`);
  }
}

/**
 * Checks one trace: schema, structure, conformance to the reference statechart, cluster
 * invariants, linearizability; the rules its header's `skipRules` names are not checked unless `allRules`.
 */
export async function validateTrace(input: TraceInput, options: ValidateTraceOptions = {}): Promise<TraceReport> {
  const format = options.format ?? 'raftcheck';
  if (!FORMATS.includes(format)) throw new UsageError(`format: expected one of ${FORMATS.join(', ')}, got '${String(format)}'`);
  const maxErrors = positiveInt('maxErrors', options.maxErrors, 1);
  const maxLineBytes = positiveInt('maxLineBytes', options.maxLineBytes, 1024);
  const enabled = selectRules(options.only, options.skip);
  const checks: ValidateOptions = {
    ...(maxErrors !== undefined ? { maxErrors } : {}), ...(maxLineBytes !== undefined ? { maxLineBytes } : {}),
    ...(enabled ? { enabled } : {}), ...(options.schemaOnly ? { schemaOnly: true } : {}), ...(options.allRules ? { allRules: true } : {}),
  };
  try {
    if (typeof input === 'string' || input instanceof URL) {
      const file = input instanceof URL ? fileURLToPath(input) : input;
      readableFile(file);
      return validateInput(file, format, checks);
    }
    if ('text' in input) return validateText(input.name ?? DEFAULT_NAME, input.text, format, checks);
    if ('lines' in input && Array.isArray(input.lines)) {
      const text = input.lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n');
      return validateText(input.name ?? DEFAULT_NAME, input.lines.length > 0 ? `${text}\n` : '', format, checks);
    }
  } catch (error) {
    if (error instanceof LineTooLongError) throw new InputError(`${error.message} (maxLineBytes raises the limit)`);
    throw error;
  }
  throw new UsageError('validateTrace: expected a path, { text } or { lines }');
}

/** The report as `raftcheck validate` prints it: one `FILE:LINE: path: message [rule]` line per error, then the verdict. */
export function formatTraceReport(report: TraceReport): string {
  return formatReport(report);
}
