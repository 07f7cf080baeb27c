import fs from 'node:fs';
import { EXIT, InputError, intOption, parseCommandLine, UsageError, type Command } from '../command.js';
import { ALL_RULES, type FileReport } from '../../validate/validate-file.js';
import { validateFilesInParallel } from '../../validate/validate-files.js';
import { FORMATS, validateInput, type Format } from '../../validate/validate-input.js';
import { formatReport } from '../../validate/format-report.js';
import { DEFAULT_MAX_LINE_BYTES, LineTooLongError, tooLongHint } from '../../trace/reader.js';
import { defaultWorkers } from '../../pool/worker-pool.js';
import { fileProgress } from '../progress.js';

/** Below this much input, starting worker threads costs more than they save (by default). */
const PARALLEL_MIN_BYTES = 16 << 20;

export const validateCommand: Command = {
  name: 'validate',
  summary: 'check traces: schema, structure, conformance to the reference statechart, cluster invariants and client linearizability',
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
                   etcd-testdata: an etcd-io/raft interaction-test transcript (testdata/*.txt,
                         imported the same way; steps hidden by log-level none leave the
                         nodes' logs unknown from there, docs/ETCD.md)
                   jepsen: a Jepsen register history (jepsen.util log): linearizability only
                   itf: an ITF trace (Apalache, Quint) of a Raft model under raft.tla's
                         variable names (spec/ITF.md), imported and judged by every rule,
                         conformance included; LINE is then the ITF state's index; bad
                         input stops with exit 2 naming the file, state and variable
  --json           print one JSON report on stdout:
                   {"valid": bool, "files": [{"file", "valid", "events", "lines", "bytes",
                    "errorCount", "unconstrained", "errors": [{"line", "rule", "path",
                    "message", "nodes"?, "terms"?, "expected"?, "seen"?, "also"?}],
                    "skipped"?: [{"rule", "reason"}], ...}]}
  --max-errors N   errors reported per file (default 20; the rest are counted)
  --max-line-bytes N  longest accepted line, in bytes; a longer line stops the reading with
                   exit 2 (default 4194304: 4 MiB)
  --schema-only    check the schema level only
  --only IDS       check only these semantic rules (comma-separated ids; see --rules)
  --skip IDS       skip these semantic rules (besides those the header's skipRules declares
                   do not apply: a fuzz run records its implementation's there)
  --all-rules      ignore the header's skipRules: check those rules too (for reviewers)
  --rules          list every rule id with its statement and exit
  --workers N      check files on N worker threads, printing results in the order given
                   (the output is the same for any N). Default: the number of cores when
                   several files total 16 MiB or more, else 1 (the main thread)
  --progress       show progress on stderr (for long files; files done, with workers)
  --quiet          print errors only, no per-file summary
  -h, --help       show this help

Output: one line per error, FILE:LINE: /json/pointer: message [rule], for example
  trace.jsonl:17: /msg/term: must be integer [schema.shape]
followed, for a violation, by what was expected and seen and an excerpt of earlier events.
Errors come in line order; where one event breaks several rules, linearizability comes
first, then the invariants, then conformance, and the first says "also breaks: ..." (and
"also" in --json).

Exit codes: 0 every file valid; 1 some file invalid; 2 usage error or unreadable file.

Examples:
  raftcheck validate traces/examples/valid/*.jsonl
  raftcheck validate --json --max-errors 5 my-trace.jsonl
  raftcheck validate --format etcd raft-trace.ndjson
  raftcheck validate --format etcd-testdata testdata/campaign.txt
  raftcheck validate --format jepsen etcd_002.log
  raftcheck validate --format itf election-3.itf.json
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
      'all-rules': { type: 'boolean' },
      rules: { type: 'boolean' },
      progress: { type: 'boolean' },
      quiet: { type: 'boolean' },
      workers: { type: 'string' },
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
    const options = {
      maxErrors, maxLineBytes, ...(enabled ? { enabled } : {}), ...(values['schema-only'] ? { schemaOnly: true } : {}), ...(values['all-rules'] ? { allRules: true } : {}),
    };

    const requestedWorkers = values.workers === undefined ? undefined : intOption('workers', values.workers, 1, 1, 1024);

    // Unreadable inputs are usage errors: check them all before any work.
    let totalBytes = 0;
    for (const file of positionals) {
      let stat: fs.Stats;
      try {
        stat = fs.statSync(file);
      } catch {
        throw new InputError(`${file}: no such file`);
      }
      if (stat.isDirectory()) throw new InputError(`${file}: is a directory (give the trace files, e.g. ${file}/*.jsonl)`);
      totalBytes += stat.size;
      try {
        fs.accessSync(file, fs.constants.R_OK);
      } catch {
        throw new InputError(`${file}: not readable`);
      }
    }

    const print = (report: FileReport) => {
      if (!values.json) io.out(formatReport(report, { quiet: Boolean(values.quiet) }));
    };
    // ITF input errors are exit-2 errors of the main thread (a worker would report them as crashes).
    const workers = format === 'itf' ? 1 : Math.min(positionals.length, requestedWorkers ?? (totalBytes >= PARALLEL_MIN_BYTES ? defaultWorkers() : 1));
    let reports: FileReport[] = [];
    try {
      if (workers > 1) {
        const tasks = positionals.map((file) => ({ file, format, options }));
        reports = await validateFilesInParallel(tasks, workers, (report, i) => {
          if (values.progress) io.err(`\r${i + 1} of ${tasks.length} files checked${i + 1 === tasks.length ? '\n' : ''}`);
          print(report);
        });
      } else {
        for (const file of positionals) {
          const progress = values.progress ? fileProgress(io, file) : undefined;
          try {
            reports.push(validateInput(file, format, { ...options, ...(progress ? { onProgress: progress } : {}) }));
          } finally {
            if (progress) io.err('\n');
          }
          print(reports.at(-1)!);
        }
      }
    } catch (error) {
      // A line over --max-line-bytes: the file could not be read, so there is no verdict on it.
      if (error instanceof LineTooLongError) throw new InputError(tooLongHint(error));
      throw error;
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
