import fs from 'node:fs';
import { EXIT, InputError, intOption, parseCommandLine, UsageError, type CliIO, type Command } from '../command.js';
import { ALL_RULES, TraceValidation, validateTraceFile, type FileReport } from '../../validate/validate-file.js';
import { EtcdFormatError, importEtcdTrace } from '../../importers/etcd.js';
import { JepsenFormatError, parseJepsenHistory } from '../../importers/jepsen.js';
import { checkLinearizable } from '../../checker/linearizability/search.js';
import { describeOp } from '../../checker/linearizability/history.js';
import { formatReport } from '../../validate/format-report.js';
import { DEFAULT_MAX_LINE_BYTES } from '../../trace/reader.js';

const FORMATS = ['raftcheck', 'etcd', 'jepsen'] as const;
type Format = (typeof FORMATS)[number];

export const validateCommand: Command = {
  name: 'validate',
  summary: 'check traces: schema, structure, cluster invariants and client linearizability',
  help: `Usage: raftcheck validate [options] FILE...

Checks each trace on one streaming pass, in layers:
  schema     every line is JSON and matches spec/trace.schema.json; the header comes first;
             node ids are declared; per-node sequence numbers increase; every receive
             matches an earlier send
  invariants the cluster invariants of spec/invariants.md (Election Safety, Log Matching, ...)
  clients    the client history is linearizable against the single-value register
A trace that constrains nothing (no state, no state change, no message, no recovered state)
is reported as such.

Options:
  --format F       raftcheck (default): trace format v1 (JSON Lines)
                   etcd: an etcd-io/raft TraceLogger log (imported; what raftcheck does not
                         model is counted as "not modelled", never failed)
                   jepsen: a Jepsen register history (jepsen.util log): linearizability only
  --json           print one JSON report on stdout:
                   {"valid": bool, "files": [{"file", "valid", "events", "lines", "bytes",
                    "errorCount", "unconstrained", "errors": [{"line", "rule", "path",
                    "message", "nodes"?, "terms"?, "expected"?, "seen"?}], ...}]}
  --max-errors N   errors reported per file (default 20; the rest are counted)
  --max-line-bytes N  longest accepted line (default 4194304: 4 MiB)
  --schema-only    check the schema level only
  --only IDS       check only these semantic rules (comma-separated ids; see --rules)
  --skip IDS       skip these semantic rules
  --rules          list every rule id with its statement and exit
  --progress       show progress on stderr (for long files)
  --quiet          print errors only, no per-file summary
  -h, --help       show this help

Output: one line per error, FILE:LINE: /json/pointer: message [rule], for example
  trace.jsonl:17: /msg/term: must be integer [schema.shape]
followed, for a violation, by what was expected and seen and an excerpt of earlier events.

Exit codes: 0 every file valid; 1 some file invalid; 2 usage error or unreadable file.

Examples:
  raftcheck validate traces/examples/valid/*.jsonl
  raftcheck validate --json --max-errors 5 my-trace.jsonl
  raftcheck validate --format etcd raft-trace.ndjson
  raftcheck validate --format jepsen etcd_002.log
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(argv, {
      format: { type: 'string' },
      json: { type: 'boolean' },
      'max-errors': { type: 'string' },
      'max-line-bytes': { type: 'string' },
      'schema-only': { type: 'boolean' },
      only: { type: 'string' },
      skip: { type: 'string' },
      rules: { type: 'boolean' },
      progress: { type: 'boolean' },
      quiet: { type: 'boolean' },
    });
    if (values.rules) {
      const width = Math.max(...ALL_RULES.map((r) => r.id.length));
      io.out(ALL_RULES.map((r) => `${r.id.padEnd(width)}  ${r.statement}`).join('\n') + '\n');
      return EXIT.ok;
    }
    const format = (values.format ?? 'raftcheck') as Format;
    if (!FORMATS.includes(format)) throw new UsageError(`--format: expected one of ${FORMATS.join(', ')}, got '${values.format}'`);
    if (positionals.length === 0) throw new UsageError('no trace files given');
    const maxErrors = intOption('max-errors', values['max-errors'], 20, 1);
    const enabled = selectRules(values.only, values.skip);
    const maxLineBytes = intOption('max-line-bytes', values['max-line-bytes'], DEFAULT_MAX_LINE_BYTES, 1024);
    const options = { maxErrors, maxLineBytes, ...(enabled ? { enabled } : {}), ...(values['schema-only'] ? { schemaOnly: true } : {}) };

    // Unreadable inputs are usage errors: check them all before any work.
    for (const file of positionals) {
      let stat: fs.Stats;
      try {
        stat = fs.statSync(file);
      } catch {
        throw new InputError(`${file}: no such file`);
      }
      if (stat.isDirectory()) throw new InputError(`${file}: is a directory (give the trace files, e.g. ${file}/*.jsonl)`);
      try {
        fs.accessSync(file, fs.constants.R_OK);
      } catch {
        throw new InputError(`${file}: not readable`);
      }
    }

    const reports: FileReport[] = [];
    for (const file of positionals) {
      const progress = values.progress ? progressPrinter(io, file) : undefined;
      const report = format === 'jepsen' ? validateJepsen(file) : format === 'etcd' ? validateEtcd(file, options) : validateTraceFile(file, { ...options, ...(progress ? { onProgress: progress } : {}) });
      if (progress) io.err('\n');
      reports.push(report);
      if (!values.json) io.out(formatReport(report, { quiet: Boolean(values.quiet) }));
    }
    const valid = reports.every((r) => r.valid);
    if (values.json) io.out(JSON.stringify({ valid, files: reports }, (k, v: unknown) => (v === Infinity ? null : v)) + '\n');
    return valid ? EXIT.ok : EXIT.failed;
  },
};

function selectRules(only: string | undefined, skip: string | undefined): ReadonlySet<string> | undefined {
  if (only === undefined && skip === undefined) return undefined;
  const known = new Set(ALL_RULES.filter((r) => r.layer === 'semantic').map((r) => r.id));
  const parse = (option: string, raw: string) => {
    const ids = raw.split(',').map((s) => s.trim()).filter(Boolean);
    for (const id of ids) if (!known.has(id)) throw new UsageError(`--${option}: unknown rule '${id}' (semantic rules: ${[...known].join(', ')})`);
    return ids;
  };
  const chosen = new Set(only !== undefined ? parse('only', only) : known);
  if (skip !== undefined) for (const id of parse('skip', skip)) chosen.delete(id);
  return chosen;
}

function progressPrinter(io: CliIO, file: string) {
  let lastPercent = -1;
  return (read: number, total: number) => {
    const percent = total === 0 ? 100 : Math.floor((read / total) * 100);
    if (percent === lastPercent) return;
    lastPercent = percent;
    io.err(`\r${file}: ${percent}% (${(read / 1048576).toFixed(1)} of ${(total / 1048576).toFixed(1)} MiB)`);
  };
}

function validateEtcd(file: string, options: ConstructorParameters<typeof TraceValidation>[0]): FileReport {
  const text = fs.readFileSync(file, 'utf8');
  let imported;
  try {
    imported = importEtcdTrace(text);
  } catch (error) {
    if (error instanceof EtcdFormatError) return formatError(file, error.line, error.field, error.message);
    throw error;
  }
  // etcd's variant of Raft (heartbeat messages, self-addressed votes, configuration entries)
  // is not modelled by the reference, so conformance is not checked on imported etcd traces.
  const semantic = ALL_RULES.filter((r) => r.layer === 'semantic' && !r.id.startsWith('conformance.')).map((r) => r.id);
  const enabled = new Set(semantic.filter((id) => !options?.enabled || options.enabled.has(id)));
  const validation = new TraceValidation({ ...options, enabled });
  imported.lines.forEach((line, i) => validation.line(line, imported.sourceLines[i]!));
  const report = validation.finish(file, { lines: text.split('\n').filter((l) => l.trim() !== '').length, bytes: Buffer.byteLength(text) });
  return { ...report, notModelled: { ...imported.notModelled, 'conformance checks (etcd variant)': 1 } } as FileReport;
}

function validateJepsen(file: string): FileReport {
  const text = fs.readFileSync(file, 'utf8');
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
