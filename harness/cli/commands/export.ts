import type { TraceLine } from '../../../src/trace/schema.js';
import { ExportError, exportItf } from '../../itf/export.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { DEFAULT_MAX_LINE_BYTES, LineTooLongError, readTraceFile, tooLongHint } from '../../trace/reader.js';
import { checkOutputFile } from '../outputs.js';
import { EXIT, InputError, intOption, parseCommandLine, UsageError, type Command } from '../command.js';
import { requireTraceFile } from '../trace-file.js';

const FORMATS = ['itf'] as const;

export const exportCommand: Command = {
  name: 'export',
  summary: "write a trace's whole-cluster states in another format: ITF (Apalache, Quint) under raft.tla's variable names",
  help: `Usage: raftcheck export --format itf [options] TRACE

Writes the whole-cluster states of a v1 trace as an ITF document (the Informal Trace Format of
Apalache and Quint) under the variable names of the classic raft.tla: currentTerm, state,
votedFor, log, commitIndex, votesResponded, votesGranted and messages (a bag: a #map from
message records to their number of copies). One state is written after each step of the trace
(an input or a network event and what follows it on the same node); a step that changes no
variable writes none. A variable the trace does not give (no event or state field of its kind
anywhere) is left out and named in #meta.raftcheck.omitted. spec/ITF.md has the mapping.

The trace is read, not judged: any trace that parses (valid or not) is exported, so that
'raftcheck validate --format itf' of the result gives the verdict again.

Options:
  --format F         itf (the only one)
  --out FILE         write to FILE, atomically (default: standard output)
  --force            replace FILE if it exists (the trace itself is never replaced)
  --max-line-bytes N longest accepted line, in bytes (default 4194304: 4 MiB)
  -h, --help         show this help

Exit codes: 0 written; 2 usage error, or a trace that cannot be read or exported (one line
naming the file, the line and the field).

Examples:
  raftcheck export --format itf traces/examples/valid/election-3.jsonl --out /tmp/election-3.itf.json
  raftcheck validate --format itf /tmp/election-3.itf.json
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(argv, {
      format: { type: 'string' },
      out: { type: 'string' },
      force: { type: 'boolean' },
      'max-line-bytes': { type: 'string' },
    });
    if (values.format === undefined) throw new UsageError('--format: give the output format (itf)');
    if (!(FORMATS as readonly string[]).includes(values.format)) throw new UsageError(`--format: expected one of ${FORMATS.join(', ')}, got '${values.format}'`);
    if (positionals.length === 0) throw new UsageError('no trace file given');
    if (positionals.length > 1) throw new UsageError(`one trace at a time (got ${positionals.length})`);
    const trace = positionals[0]!;
    const maxLineBytes = intOption('max-line-bytes', values['max-line-bytes'], DEFAULT_MAX_LINE_BYTES, 1024);
    requireTraceFile(trace);
    if (values.out !== undefined) checkOutputFile('--out', values.out, { force: Boolean(values.force), inputs: [trace] });

    const lines: TraceLine[] = [];
    try {
      readTraceFile(trace, {
        line: (value) => lines.push(value),
        error: (e) => {
          throw new InputError(`${trace}:${e.line}: ${e.path}: ${e.message} (export reads traces that parse)`);
        },
      }, { maxLineBytes });
    } catch (error) {
      if (error instanceof LineTooLongError) throw new InputError(tooLongHint(error));
      throw error;
    }
    let text: string;
    try {
      text = `${JSON.stringify(exportItf(lines, trace), null, 1)}\n`;
    } catch (error) {
      if (error instanceof ExportError) throw new InputError(`${trace}:${error.line}: /${error.field}: ${error.message}`);
      throw error;
    }
    if (values.out === undefined) io.out(text);
    else {
      writeFileAtomic(values.out, text, { overwrite: Boolean(values.force) });
      io.err(`wrote ${values.out}\n`);
    }
    return EXIT.ok;
  },
};
