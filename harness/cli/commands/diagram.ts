import fs from 'node:fs';
import { describeStatechart, toDot, toJson, toMermaid, toTable, type StatechartDiagram, type TransitionCounts } from '../../../src/raft/diagram.js';
import { EXIT, featuresOption, InputError, intOption, parseCommandLine, UsageError, type CliIO, type Command } from '../command.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { renderDot } from '../../io/graphviz.js';
import { checkOutputFile } from '../outputs.js';
import { FeatureMismatchError, MalformedTraceError, measureCoverage } from '../../statechart/transition-coverage.js';
import { COVERAGE_FORMAT, countsFromCoverage } from '../../explore/coverage.js';
import { DEFAULT_MAX_LINE_BYTES, LineTooLongError, tooLongHint } from '../../trace/reader.js';
import { fileProgress } from '../progress.js';
import { machineFor } from '../../../src/raft/node-machine.js';
import type { Feature } from '../../../src/raft/features/index.js';

type Render = (d: StatechartDiagram, coverage?: TransitionCounts) => string | Promise<string>;
const FORMATS: Record<string, Render> = {
  mermaid: toMermaid,
  dot: toDot,
  svg: (d, coverage) => renderDot(toDot(d, coverage)),
  json: toJson,
  table: toTable,
};

export const diagramCommand: Command = {
  name: 'diagram',
  summary: 'draw the reference statechart (Mermaid, DOT, SVG, JSON or a table), optionally with the transition coverage of traces',
  help: `Usage: raftcheck diagram [--format F] [-o FILE]
       raftcheck diagram --coverage [--format F] [-o FILE] TRACE...

Draws the reference node's statechart: its states with their entry and exit actions, and
every transition with its event, guard (in [brackets]) and actions, in the order XState tries
them. It is read from the machine definition, so it is always the statechart that runs. In
dot and svg, transitions that change state are arrows and those handled in place are listed
inside their state's box (UML's internal transitions).

With --coverage, each transition is annotated with how often the traces exercised it, and the
never-taken ones are marked (red in dot/svg, NEVER TAKEN in the text formats): what a test
suite or a fuzzing campaign left untouched. A count is a transition the reference statechart
took when fed each node's logged inputs, exactly as the conformance checker replays them
(hidden steps included). Traces with a schema-level error are refused (exit 2); a trace that
breaks a conformance rule is counted, with a note on stderr; one whose header declares
conformance not checked (skipRules) is not replayed, and noted. A FILE written by
'raftcheck explore --coverage FILE' adds what an exhaustive search took: each transition's
count of search steps, and every transition never taken is unreachable within its bounds.

Options:
  --format F     mermaid (default; GitHub renders it), dot (Graphviz source), svg (laid out
                 by Graphviz compiled to WebAssembly, bundled: nothing to install), json,
                 table (plain text; the default with --coverage)
  --coverage     annotate with the transition counts of the TRACE files given
  --features LIST  the chart with these protocol extensions on (prevote, checkquorum,
                 transfer, snapshot, membership, heartbeat, or all): their states and
                 transitions beside the base chart's.
                 With --coverage, the default is every feature the traces declare
  --max-line-bytes N  with --coverage: longest accepted line, in bytes; a longer line stops
                 the reading with exit 2 (default 4194304: 4 MiB)
  --progress     with --coverage: show progress through each trace on stderr
  -o, --out FILE write to FILE (atomically) instead of stdout
  --force        replace FILE if it exists
  -h, --help     show this help

Exit codes: 0 written; 2 usage error, unreadable or malformed trace.

Examples:
  raftcheck diagram --format mermaid
  raftcheck diagram --format svg -o raft-node.svg
  raftcheck diagram --features all --format svg -o raft-node-features.svg
  raftcheck diagram --coverage traces/examples/valid/*.jsonl
  raftcheck diagram --coverage --format svg -o coverage.svg traces/regressions/*.jsonl
  raftcheck explore --servers 2 --max-term 2 --max-log 1 --coverage reach.json && raftcheck diagram --coverage reach.json
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(argv, {
      format: { type: 'string' },
      coverage: { type: 'boolean' },
      features: { type: 'string' },
      out: { type: 'string', short: 'o' },
      force: { type: 'boolean' },
      'max-line-bytes': { type: 'string' },
      progress: { type: 'boolean' },
    });
    if (!values.coverage && positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}' (trace files go with --coverage)`);
    if (values.coverage && positionals.length === 0) throw new UsageError('--coverage: no trace files given');
    const format = values.format ?? (values.coverage ? 'table' : 'mermaid');
    const render = FORMATS[format];
    if (!render) throw new UsageError(`--format: expected one of ${Object.keys(FORMATS).join(', ')}, got '${format}'`);
    const toFile = values.out !== undefined && values.out !== '-';
    if (toFile) checkOutputFile('-o', values.out!, { force: Boolean(values.force), inputs: positionals });
    const features = values.features === undefined ? undefined : featuresOption(values.features);
    const reading = { maxLineBytes: intOption('max-line-bytes', values['max-line-bytes'], DEFAULT_MAX_LINE_BYTES, 1024), progress: Boolean(values.progress) };
    const coverage = values.coverage ? countTransitions(positionals, io, features, reading) : undefined;
    const diagram = coverage?.diagram ?? describeStatechart(machineFor(features ?? []));
    // A Graphviz error is not the user's: raftcheck wrote the DOT, so it is an internal error (exit 3).
    const text = await render(diagram, coverage);
    if (!toFile) {
      io.out(text);
    } else {
      writeFileAtomic(values.out!, text, { overwrite: Boolean(values.force) });
      io.err(`wrote ${values.out}\n`);
    }
    return EXIT.ok;
  },
};

/** The counts of an explore coverage file (`raftcheck explore --coverage`), or null for a trace. */
function exploreCounts(file: string): number[] | null {
  const fd = fs.openSync(file, 'r');
  const head = Buffer.alloc(256);
  const read = fs.readSync(fd, head, 0, head.length, 0);
  fs.closeSync(fd);
  if (!head.subarray(0, read).toString('utf8').includes(`"${COVERAGE_FORMAT}"`)) return null;
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError(`${file}: not a JSON explore coverage file (${e instanceof Error ? e.message : String(e)})`);
  }
  const counts = countsFromCoverage(value, describeStatechart());
  if (!counts) throw new InputError(`${file}: not an explore coverage file (format ${COVERAGE_FORMAT}, transitions)`);
  return counts;
}

/** Traces and explore coverage files together: explore searches the base chart, so its counts join only a drawing of that chart. */
function countTransitions(inputs: string[], io: CliIO, features: readonly Feature[] | undefined, reading: { maxLineBytes: number; progress: boolean }): TransitionCounts & { diagram: StatechartDiagram } {
  for (const file of inputs) {
    if (!fs.existsSync(file)) throw new InputError(`${file}: no such file`);
    if (fs.statSync(file).isDirectory()) throw new InputError(`${file}: is a directory (give the trace files, e.g. ${file}/*.jsonl)`);
  }
  const searched = inputs.map((f) => ({ file: f, counts: exploreCounts(f) }));
  const files = searched.filter((s) => !s.counts).map((s) => s.file);
  const extra = searched.flatMap((s) => (s.counts ? [{ file: s.file, counts: s.counts }] : []));
  const traced = files.length ? countTraces(files, io, features, reading) : { counts: new Array<number>(describeStatechart().transitions.length).fill(0), traces: 0, diagram: describeStatechart() };
  if (extra.length === 0) return traced;
  if (traced.diagram.transitions.length !== describeStatechart().transitions.length) {
    throw new InputError(`${extra[0]!.file}: an explore coverage file counts the base chart's transitions; draw it without features (its traces declare some, or --features)`);
  }
  return { ...traced, counts: traced.counts.map((c, row) => extra.reduce((sum, e) => sum + (e.counts[row] ?? 0), c)), traces: traced.traces + extra.length };
}

function countTraces(files: string[], io: CliIO, features: readonly Feature[] | undefined, reading: { maxLineBytes: number; progress: boolean }): TransitionCounts & { diagram: StatechartDiagram } {
  const progress = new Map(files.map((f) => [f, fileProgress(io, f)]));
  let shown: string | undefined;
  const onProgress = (file: string, read: number, total: number) => {
    if (shown !== undefined && shown !== file) io.err('\n');
    shown = file;
    progress.get(file)!(read, total);
  };
  try {
    const result = measureCoverage(files, { ...(features ? { features } : {}), maxLineBytes: reading.maxLineBytes, ...(reading.progress ? { onProgress } : {}) });
    if (shown !== undefined) io.err('\n');
    for (const f of result.files) {
      if (f.violation) io.err(`note: ${f.file}:${f.violation.line}: breaks ${f.violation.rule}; its ${f.steps} steps are counted as the reference took them\n`);
      if (f.notReplayed) io.err(`note: ${f.file}: its header declares ${f.notReplayed.join(', ')} not checked (skipRules); its steps are not counted\n`);
    }
    return result;
  } catch (error) {
    if (shown !== undefined) io.err('\n');
    if (error instanceof MalformedTraceError) throw new InputError(`${error.message}: not a well-formed trace`);
    if (error instanceof FeatureMismatchError) throw new InputError(error.message);
    if (error instanceof LineTooLongError) throw new InputError(tooLongHint(error));
    throw error;
  }
}
