import { EXIT, InputError, intOption, parseCommandLine, UsageError, type Command } from '../command.js';
import { DEFAULT_MAX_LINE_BYTES, LineTooLongError, tooLongHint } from '../../trace/reader.js';
import { UndrawableTraceError } from '../../viewer/model.js';
import { reportPathFor, writeReport } from '../../viewer/write-report.js';
import { checkOutputFile } from '../outputs.js';
import { fileProgress } from '../progress.js';
import { requireTraceFile } from '../trace-file.js';

export const viewCommand: Command = {
  name: 'view',
  summary: 'write a self-contained HTML report of a trace: space-time diagram, node states, statechart steps, violations',
  help: `Usage: raftcheck view [options] TRACE

Writes one self-contained HTML file (scripts, styles and the trace inlined: it opens offline)
that draws the trace as a space-time diagram:
  - one lane per node, coloured by role (follower, candidate, leader; grey while crashed),
    with term changes, timeouts, commits, client requests and answers marked on it;
  - messages as arrows from send to receive (dropped ones end in a red cross; duplicates
    give two arrows), partitions and heals across all lanes;
  - a panel with, for the selected event, every node's state (role, term, vote, commitIndex,
    lastApplied, last log position, value) and log, and the reference statechart's state and
    the transitions that explain the node's step (as the conformance checker replays it);
  - step buttons, a time slider and playback, zoom, and filters by node and message type.
The trace is checked on the way: if it breaks a rule, the report opens on the first violating
event, highlighted, with the rule and the checker's explanation. Only the rows in view are
drawn, so traces of 100,000 events and more stay usable.

Options:
  -o, --out FILE     the report (default: the trace's path with .html instead of .jsonl)
  --force            replace FILE if it exists (the trace itself is never replaced)
  --title TEXT       the report's title (default: the trace's file name)
  --max-errors N     violations listed in the report (default 20)
  --all-rules        also check the rules the trace's header declares not checked (skipRules,
                     with their reasons); by default the report judges the trace as its run
                     did, and lists those rules as not checked
  --max-line-bytes N longest accepted line, in bytes; a longer line stops the reading with
                     exit 2 (default 4194304: 4 MiB)
  --progress         show progress through the trace on stderr
  -h, --help         show this help

Keys in the report: ↓/j next event, ↑/k previous, Home/End, space play/pause, +/- zoom;
open it with #line=N after the file name to start on line N.

Exit codes: 0 report written, trace valid; 1 report written, trace invalid; 2 usage error,
unreadable trace, or a trace without a usable header (nothing to draw).

Examples:
  raftcheck view traces/examples/valid/election-and-writes-3.jsonl -o /tmp/r.html
  raftcheck view traces/examples/invalid/commit-current-term/figure-8-commit-old-term-by-counting.jsonl -o fig8.html
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(argv, {
      out: { type: 'string', short: 'o' },
      force: { type: 'boolean' },
      title: { type: 'string' },
      'max-errors': { type: 'string' },
      'all-rules': { type: 'boolean' },
      'max-line-bytes': { type: 'string' },
      progress: { type: 'boolean' },
    });
    if (positionals.length === 0) throw new UsageError('no trace file given');
    if (positionals.length > 1) throw new UsageError(`one trace at a time (got ${positionals.length}); run view once per trace`);
    const trace = positionals[0]!;
    const maxErrors = intOption('max-errors', values['max-errors'], 20, 1);
    const maxLineBytes = intOption('max-line-bytes', values['max-line-bytes'], DEFAULT_MAX_LINE_BYTES, 1024);
    requireTraceFile(trace);
    const out = values.out ?? reportPathFor(trace);
    if (out === '-') throw new UsageError('-o: the report is a file (give a path ending in .html)');
    checkOutputFile(values.out === undefined ? '' : '-o', out, { force: Boolean(values.force), inputs: [trace] });
    const progress = values.progress ? fileProgress(io, trace) : undefined;
    let written;
    try {
      written = writeReport(trace, out, {
        maxErrors, maxLineBytes, overwrite: Boolean(values.force), ...(values['all-rules'] ? { allRules: true } : {}),
        ...(values.title !== undefined ? { title: values.title } : {}), ...(progress ? { onProgress: progress } : {}),
      });
    } catch (error) {
      if (error instanceof LineTooLongError) throw new InputError(tooLongHint(error));
      if (error instanceof UndrawableTraceError) throw new InputError(error.message);
      throw error;
    } finally {
      if (progress) io.err('\n');
    }
    const { model, bytes } = written;
    const first = model.verdict.errors.find((e) => e.rule !== 'unconstrained') ?? model.verdict.errors[0];
    const verdict = model.verdict.valid ? 'valid' : `invalid, opens on line ${first?.line} [${first?.rule}]`;
    io.err(`wrote ${out} (${model.events.kind.length} events, ${(bytes / 1024).toFixed(0)} KiB; trace ${verdict})\n`);
    return model.verdict.valid ? EXIT.ok : EXIT.failed;
  },
};
