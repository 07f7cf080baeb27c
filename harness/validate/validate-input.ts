/**
 * Validating one input file in any supported format: raftcheck trace v1, an etcd-io/raft
 * trace (imported), an ITF trace of a Raft model (imported), or a Jepsen register history (linearizability only). Plain data in and
 * out, so it runs the same on the main thread and in a worker (validate-worker.ts).
 */
import fs from 'node:fs';
import { checkLinearizable } from '../checker/linearizability/search.js';
import { describeOp } from '../checker/linearizability/history.js';
import { EtcdFormatError, importEtcdTrace } from '../importers/etcd.js';
import { EtcdTestdataFormatError, importEtcdTestdata } from '../importers/etcd-testdata.js';
import { JepsenFormatError, parseJepsenHistory } from '../importers/jepsen.js';
import { InputError } from '../errors.js';
import { ItfFormatError, importItf } from '../itf/import.js';
import { readTextFile } from '../trace/reader.js';
import { ALL_RULES, TraceValidation, validateTraceFile, validateTraceText, type FileReport, type ValidateOptions } from './validate-file.js';

export const FORMATS = ['raftcheck', 'etcd', 'etcd-testdata', 'jepsen', 'itf'] as const;
export type Format = (typeof FORMATS)[number];

/** Throws LineTooLongError (harness/trace/reader.ts) at a line over `options.maxLineBytes`. */
export function validateInput(file: string, format: Format, options: ValidateOptions): FileReport {
  if (format === 'raftcheck') return validateTraceFile(file, options);
  // An ITF document is one JSON value (often one long line): read whole, not by lines.
  if (format === 'itf') return validateItf(file, fs.readFileSync(file, 'utf8'), options);
  return validateImported(file, readText(file, file, options), format, options);
}

/** The same for an input held in memory; `name` stands for the file in the report and in a LineTooLongError. */
export function validateText(name: string, text: string, format: Format, options: ValidateOptions): FileReport {
  if (format === 'raftcheck') return validateTraceText(name, text, options);
  if (format === 'itf') return validateItf(name, text, options);
  return validateImported(name, readText(Buffer.from(text, 'utf8'), name, options), format, options);
}

/** Read with the line limit of traces, CRLF and a byte order mark dropped, the same from a file or from memory. */
const readText = (source: string | Buffer, name: string, options: ValidateOptions) =>
  readTextFile(source, { name, ...(options.maxLineBytes ? { maxLineBytes: options.maxLineBytes } : {}) });

function validateImported(name: string, text: string, format: Exclude<Format, 'raftcheck' | 'itf'>, options: ValidateOptions): FileReport {
  return format === 'jepsen' ? validateJepsen(name, text) : validateEtcd(name, text, format, options);
}

function validateEtcd(file: string, text: string, format: 'etcd' | 'etcd-testdata', options: ValidateOptions): FileReport {
  let imported;
  try {
    imported = format === 'etcd' ? importEtcdTrace(text) : importEtcdTestdata(text);
  } catch (error) {
    if (error instanceof EtcdFormatError || error instanceof EtcdTestdataFormatError) return formatError(file, error.line, error.field, error.message);
    throw error;
  }
  // Every rule, conformance included: etcd's differences from Figure 2 are features the header
  // declares (heartbeat, prevote, transfer) or the checker's hidden steps; what is still not
  // modelled is listed by the importer (notModelled).
  const validation = new TraceValidation(options);
  imported.lines.forEach((line, i) => validation.line(line, imported.sourceLines[i]!));
  const report = validation.finish(file, { lines: text.split('\n').filter((l) => l.trim() !== '').length, bytes: Buffer.byteLength(text) });
  return (Object.keys(imported.notModelled).length > 0 ? { ...report, notModelled: { ...imported.notModelled } } : report) as FileReport;
}

/**
 * An ITF trace of a Raft model under raft.tla's names, judged by every rule, conformance
 * included (model against model). Bad input is an InputError naming the file, the state and
 * the variable (exit 2), not a verdict. A report's LINE is the index of the ITF state whose
 * step produced the event.
 */
function validateItf(file: string, text: string, options: ValidateOptions): FileReport {
  let imported;
  try {
    imported = importItf(text);
  } catch (error) {
    if (error instanceof ItfFormatError) throw new InputError(error.describe(file));
    throw error;
  }
  // The checker reads the imported trace line by line; its report names the ITF state instead.
  const validation = new TraceValidation(options);
  imported.lines.forEach((line, i) => validation.line(line, i + 1));
  const judged = validation.finish(file, { lines: imported.sourceLines.at(-1)! + 1, bytes: Buffer.byteLength(text) });
  const state = (line: number) => imported.sourceLines[line - 1] ?? line;
  // Messages cite earlier events by line ("line 12", "lines 3, 7"): those become states too.
  const cite = (text: string) => text.replace(/\blines? (\d+(?:(?:, | and )\d+)*)/g, (_m, list: string) => `state ${list.replace(/\d+/g, (n) => String(state(Number(n))))}`);
  const report = {
    ...judged,
    errors: judged.errors.map((e) => ({
      ...e, line: state(e.line), message: cite(e.message),
      ...(e.expected !== undefined ? { expected: cite(e.expected) } : {}), ...(e.seen !== undefined ? { seen: cite(e.seen) } : {}),
    })),
  };
  return imported.ignored.length ? ({ ...report, notModelled: Object.fromEntries(imported.ignored.map((v) => [`ITF variable ${v} (not read)`, 1])) } as FileReport) : report;
}

function validateJepsen(file: string, text: string): FileReport {
  let history;
  try {
    history = parseJepsenHistory(text);
  } catch (error) {
    if (error instanceof JepsenFormatError) return formatError(file, error.line, error.field, error.message);
    throw error;
  }
  const result = checkLinearizable(history);
  const base = { file, events: history.length, lines: text.split('\n').length, bytes: Buffer.byteLength(text), unconstrained: history.length === 0 };
  const linearizability = { operations: history.length, verdict: result.verdict, steps: result.steps };
  if (result.verdict === 'linearizable') return { ...base, valid: true, errors: [], errorCount: 0, linearizability };
  const stuck = result.verdict === 'not-linearizable' ? result.stuck.map((i) => history[i]!) : [];
  const first = stuck[0];
  const message =
    result.verdict === 'unknown'
      ? `linearizability could not be decided: ${result.reason}`
      : `the history of ${history.length} operations is not linearizable: no order explains ${first ? describeOp(first) : 'the remaining operations'}`;
  return {
    ...base, valid: false, errorCount: 1, linearizability,
    errors: [{ line: first?.retLine ?? first?.callLine ?? 1, rule: 'linearizability', path: '/', message, ...(stuck.length > 1 ? { seen: stuck.map(describeOp).join('; ') } : {}) }],
  };
}

function formatError(file: string, line: number, field: string, message: string): FileReport {
  return { file, valid: false, events: 0, lines: 0, bytes: 0, errorCount: 1, unconstrained: false, errors: [{ line, rule: 'import', path: field.startsWith('/') ? field : `/${field}`, message }] };
}
