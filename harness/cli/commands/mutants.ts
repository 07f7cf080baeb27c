import path from 'node:path';
import { packageRoot } from '../../package-root.js';
import { saveCase } from '../campaign-output.js';
import { checkOutputDir, checkOutputFile } from '../outputs.js';
import { durationOption, EXIT, featuresOption, intOption, parseCommandLine, UsageError, type CliIO, type Command } from '../command.js';
import { DEFAULT_SHRINK_RUNS, type ShrunkFailure } from '../../fuzz/run-range.js';
import { verdictLines } from '../../fuzz/regression.js';
import { failureMeta } from '../../fuzz/summary.js';
import { MUTANTS } from '../../mutants/catalogue.js';
import { huntFeatures, huntMutant, type HuntResult } from '../../mutants/hunt.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { exploreMutant, type ExploreHunt } from '../../explore/hunt.js';

const ROOT = packageRoot();

export const mutantsCommand: Command = {
  name: 'mutants',
  summary: 'run the bug catalogue: simulate each mutant node until the checker catches it',
  help: `Usage: raftcheck mutants [--runs N] [--seed S] [--time-limit D] [--shrink-runs N] [--only NAME,...] [--features LIST] [--snapshot-every N] [--no-write] [--out DIR]

Each mutant is the reference node with one rule broken (see harness/mutants/catalogue.ts).
For each, a fuzzing campaign (fast-check schedules, swarm faults, seed S) runs a cluster of
mutant nodes, checking every event, until a run fails; that run is shrunk and minimised to a
short counterexample (the same on every machine: shrinking is bounded by a count of runs).
A mutant that is never caught is a finding: the schedules or the checker must improve.
Prints a table (time to the first failure apart from the time spent shrinking, and the
trace's length as found and as saved) and writes it to MUTANTS.md. The mutants of a protocol
extension (prevote-*, checkquorum-*, transfer-*, snapshot-*, membership-*) run with their features on.

Options:
  --runs N         schedules per mutant before giving up (default 300)
  --seed S         fast-check seed (default 1)
  --time-limit D   wall-clock budget per mutant for finding a failure, e.g. 30s (default 30s)
  --shrink-runs N  most runs shrinking a failure may spend (default ${DEFAULT_SHRINK_RUNS})
  --only NAMES     hunt only these mutants (comma-separated)
  --features LIST  also run every mutant with these protocol extensions on (prevote,
                   checkquorum, transfer, snapshot, membership, heartbeat, or all): do the
                   checks still catch the base bugs under them? (Does not write MUTANTS.md)
  --snapshot-every N  the snapshot interval of the schedules that run the snapshot feature
                   (default: drawn per schedule from 1, 3, 8)
  --list           list the mutants and exit
  --no-explore     do not run 'raftcheck explore' on each mutant at its small bounds
                   (harness/explore/mutant-bounds.ts) for the explore columns
  --no-write       do not write MUTANTS.md
  --out DIR        also save each mutant's shrunk counterexample as a regression case in DIR
                   (never overwriting; 'npm test' replays traces/regressions/)
  -h, --help       show this help

Exit codes: 0 every mutant caught; 1 some mutant survived; 2 usage error.
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(argv, {
      runs: { type: 'string' },
      seed: { type: 'string' },
      'time-limit': { type: 'string' },
      'shrink-runs': { type: 'string' },
      only: { type: 'string' },
      features: { type: 'string' },
      'snapshot-every': { type: 'string' },
      list: { type: 'boolean' },
      'no-write': { type: 'boolean' },
      'no-explore': { type: 'boolean' },
      out: { type: 'string' },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    if (values.list) {
      for (const m of MUTANTS) io.out(`${m.name.padEnd(28)} ${m.description}\n`);
      return EXIT.ok;
    }
    const runs = intOption('runs', values.runs, 300, 1);
    const seed = intOption('seed', values.seed, 1, -Number.MAX_SAFE_INTEGER);
    const limit = durationOption('time-limit', values['time-limit'], 30_000);
    const shrinkRuns = intOption('shrink-runs', values['shrink-runs'], DEFAULT_SHRINK_RUNS, 0);
    const names = values.only?.split(',').map((s) => s.trim()).filter(Boolean);
    const features = featuresOption(values.features);
    const every = values['snapshot-every'] === undefined ? {} : { snapshotEvery: intOption('snapshot-every', values['snapshot-every'], 0, 1) };
    for (const n of names ?? []) if (!MUTANTS.some((m) => m.name === n)) throw new UsageError(`--only: unknown mutant '${n}' (see --list)`);
    const named = names ? MUTANTS.filter((m) => names.includes(m.name)) : MUTANTS;

    if (values.out !== undefined) checkOutputDir('--out', values.out);
    const writesTable = !values['no-write'] && !names && features.length === 0;
    if (writesTable) checkOutputFile('', path.join(ROOT, 'MUTANTS.md'), { force: true });

    const rows: MutantRow[] = [];
    for (const m of named) {
      // Wall-clock time is read here, at the CLI edge: time to the first failure (a budget
      // applies), then the time spent shrinking it (bounded by a count of runs, not by time).
      const started = performance.now();
      let ms = Infinity;
      const result = huntMutant(m, { runs, seed, timeLimitMs: limit, shrinkRuns, features, ...every, onFirstFailure: () => (ms = performance.now() - started) });
      const shrinkMs = result.detected ? performance.now() - started - ms : 0;
      const explored = values['no-explore'] ? null : exploreMutant(m.name);
      rows.push({ name: m.name, description: m.description, result, ms, shrinkMs, features: huntFeatures(m, features), explored });
      if (values.out !== undefined && result.failure) saveHuntCase(io, values.out, `mutant:${m.name}`, seed, result.failure);
      if (explored) io.err(`${m.name}: explore ${explored.detected ? `caught it by ${explored.rule} in ${explored.steps} steps (${explored.traceLines} trace lines, ${explored.states} states)` : `did NOT catch it (${explored.states} states)`}\n`);
      io.err(`${m.name}: ${result.detected ? `caught by ${result.rule} in run ${result.runs} (${ms.toFixed(0)} ms), shrunk in ${result.shrinkRuns} runs (${shrinkMs.toFixed(0)} ms) from ${result.foundTraceEvents} to ${result.traceEvents} trace lines` : `NOT caught in ${result.runs} runs`}\n`);
    }
    const table = mutantsTable(rows, seed, every.snapshotEvery);
    io.out(table);
    if (writesTable) {
      const doc = `# Bug catalogue\n\nWritten by \`raftcheck mutants --runs ${runs} --seed ${seed}\`. Each mutant is the reference node with one rule broken (\`harness/mutants/catalogue.ts\`). A fuzzing campaign (fast-check, swarm faults: a different mix of loss, duplication, delays, partitions, crashes and batch sizes per run) runs a cluster of mutant nodes and checks every event until a run fails. *Time to first failure* is the search alone. The failing run is then shrunk (fast-check) and minimised (\`harness/fuzz/minimise.ts\`: fewer nodes, events and network faults, idle time cut, fewer heartbeats), keeping only runs that break the same rule, within ${shrinkRuns} runs: *trace lines* counts the lines of the trace up to the violation (from the header on) in the run as found and in the saved case (\`raftcheck mutants --out traces/regressions\`), and *shrinking* gives the runs it took (the same on every machine) and their wall time. The *explore* columns come from \`raftcheck explore\` (docs/EXPLORE.md): an exhaustive breadth-first search of the mutant's cluster at small bounds (\`harness/explore/mutant-bounds.ts\`; written servers·max-term·max-log·max-msgs·max-crashes·max-client-ops, and \`b1\` for one entry per AppendEntries), with the length of its shortest counterexample in trace lines (from the header on, up to the violation, as fuzz's) and in actions, and the distinct states searched before it.\n\n${table}`;
      writeFileAtomic(path.join(ROOT, 'MUTANTS.md'), doc, { overwrite: true });
      io.err('wrote MUTANTS.md\n');
    }
    const caught = rows.filter((r) => r.result.detected && r.explored?.detected !== false);
    return caught.length === rows.length ? EXIT.ok : EXIT.failed;
  },
};

interface MutantRow {
  name: string;
  description: string;
  result: HuntResult;
  /** Wall time to the first failure (Infinity: none), and then spent shrinking it. */
  ms: number;
  shrinkMs: number;
  /** The protocol extensions the hunt ran (its own, and --features). */
  features: string[];
  /** Explore at the mutant's small bounds (null: not run, or no bounds registered). */
  explored: ExploreHunt | null;
}

/** `2·2·1·2·0·1`: servers, max-term, max-log, max-msgs, max-crashes, max-client-ops (and `b1`: batch). */
function boundsText(e: ExploreHunt): string {
  const b = e.bounds;
  return `${b.servers}·${b.maxTerm}·${b.maxLog}·${b.maxMsgs}·${b.maxCrashes}·${b.maxClientOps}${b.batch !== 64 ? ` b${b.batch}` : ''}`;
}

function exploreCells(e: ExploreHunt | null): string[] {
  if (!e) return ['-', '-'];
  if (!e.detected) return [`**not caught** (${e.states} states)`, boundsText(e)];
  return [`${e.traceLines} (${e.steps} steps) \`${e.rule}\``, `${boundsText(e)} / ${e.states}`];
}

/** The median of sorted numbers (the mean of the middle two for an even count). */
const median = (xs: number[]) => (xs[Math.floor((xs.length - 1) / 2)]! + xs[Math.ceil((xs.length - 1) / 2)]!) / 2;

/** The table of hunts, with a summary: time to the first failure, trace lengths, shrinking. */
function mutantsTable(rows: MutantRow[], seed: number, snapshotEvery?: number): string {
  const header = '| mutant | what it breaks | caught | runs | time to first failure | rule that caught it | trace lines: found → saved | explore: shortest trace lines (steps) | explore: bounds / states | saved: nodes / schedule events | shrinking: runs / time | replay |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |';
  const body = rows.map(({ name, description, result: r, ms, shrinkMs, features, explored }) => {
    const every = snapshotEvery !== undefined && features.includes('snapshot') ? ` --snapshot-every ${snapshotEvery}` : '';
    const flags = `${features.length > 0 ? ` --features ${features.join(',')}` : ''}${every}`;
    const replay = r.detected ? `\`raftcheck fuzz --impl mutant:${name} --seed ${seed} --runs ${r.runs} --faults swarm${flags}\`` : '';
    const cells = r.detected
      ? [`${ms.toFixed(0)} ms`, `\`${r.rule}\``, `${r.foundTraceEvents} → ${r.traceEvents}`, ...exploreCells(explored), `${r.nodes} / ${r.scheduleEvents}`, `${r.shrinkRuns} / ${shrinkMs.toFixed(0)} ms`]
      : ['-', '', '', ...exploreCells(explored), '', ''];
    return `| \`${name}\` | ${description} | ${r.detected ? 'yes' : '**no**'} | ${r.runs} | ${cells.join(' | ')} | ${replay} |`;
  });
  const caught = rows.filter((r) => r.result.detected);
  const stat = (values: number[], unit = '') => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted.length ? `median ${median(sorted).toFixed(0)}${unit}, max ${sorted.at(-1)!.toFixed(0)}${unit}` : '-';
  };
  const lines = [
    `${caught.length} of ${rows.length} mutants caught; time to first failure: ${stat(caught.map((r) => r.ms), ' ms')}.`,
    `Trace lines up to the violation: as found ${stat(caught.map((r) => r.result.foundTraceEvents!))}; saved ${stat(caught.map((r) => r.result.traceEvents!))}.`,
    `Shrinking: ${stat(caught.map((r) => r.result.shrinkRuns!), ' runs')}; ${stat(caught.map((r) => r.shrinkMs), ' ms')}.`,
  ];
  const explored = rows.flatMap((r) => (r.explored ? [r.explored] : []));
  if (explored.length) {
    const found = explored.filter((e) => e.detected);
    lines.push(`Explore: ${found.length} of ${explored.length} mutants caught at their small bounds; shortest counterexample trace lines ${stat(found.map((e) => e.traceLines!))}.`);
  }
  return `${header}\n${body.join('\n')}\n\n${lines.join('\n')}\n`;
}

/** Saves a hunt's shrunk failure as a regression case (the same file a fuzz campaign would write). */
function saveHuntCase(io: CliIO, dir: string, impl: string, seed: number, failure: ShrunkFailure): void {
  const lines = verdictLines(failure.outcome);
  const saved = saveCase(dir, failureMeta({ impl, seed, faults: 'swarm' }, failure), lines);
  io.err(`  regression case: ${saved.file}${saved.created ? '' : ' (already saved)'}\n`);
}
