import path from 'node:path';
import { packageRoot } from '../../package-root.js';
import { saveCase } from '../campaign-output.js';
import { durationOption, EXIT, featuresOption, intOption, parseCommandLine, UsageError, type CliIO, type Command } from '../command.js';
import type { ShrunkFailure } from '../../fuzz/run-range.js';
import { failureMeta } from '../../fuzz/summary.js';
import { MUTANTS } from '../../mutants/catalogue.js';
import { huntFeatures, huntMutant, type HuntResult } from '../../mutants/hunt.js';
import { writeFileAtomic } from '../../io/atomic-write.js';

const ROOT = packageRoot();

export const mutantsCommand: Command = {
  name: 'mutants',
  summary: 'run the bug catalogue: simulate each mutant node until the checker catches it',
  help: `Usage: raftcheck mutants [--runs N] [--seed S] [--time-limit D] [--only NAME,...] [--features LIST] [--snapshot-every N] [--no-write] [--out DIR]

Each mutant is the reference node with one rule broken (see harness/mutants/catalogue.ts).
For each, a fuzzing campaign (fast-check schedules, swarm faults, seed S) runs a cluster of
mutant nodes, checking every event, until a run fails; that run is shrunk to a minimal
counterexample. A mutant that is never caught is a finding: the schedules or the checker
must improve. Prints a table and writes it to MUTANTS.md. The mutants of a protocol extension
(prevote-*, checkquorum-*, transfer-*, snapshot-*) run with their feature on.

Options:
  --runs N         schedules per mutant before giving up (default 300)
  --seed S         fast-check seed (default 1)
  --time-limit D   wall-clock budget per mutant, e.g. 30s (default 30s)
  --only NAMES     hunt only these mutants (comma-separated)
  --features LIST  also run every mutant with these protocol extensions on (prevote,
                   checkquorum, transfer, or all): do the checks still catch the base bugs
                   under them? (Does not write MUTANTS.md)
  --snapshot-every N  the snapshot interval of the schedules that run the snapshot feature
                   (default: drawn per schedule from 1, 3, 8)
  --list           list the mutants and exit
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
      only: { type: 'string' },
      features: { type: 'string' },
      'snapshot-every': { type: 'string' },
      list: { type: 'boolean' },
      'no-write': { type: 'boolean' },
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
    const names = values.only?.split(',').map((s) => s.trim()).filter(Boolean);
    const features = featuresOption(values.features);
    const every = values['snapshot-every'] === undefined ? {} : { snapshotEvery: intOption('snapshot-every', values['snapshot-every'], 0, 1) };
    for (const n of names ?? []) if (!MUTANTS.some((m) => m.name === n)) throw new UsageError(`--only: unknown mutant '${n}' (see --list)`);
    const chosen = names ? MUTANTS.filter((m) => names.includes(m.name)) : MUTANTS;

    const rows: Array<{ name: string; description: string; result: HuntResult; ms: number }> = [];
    const featureFlags = new Map<string, string[]>();
    for (const m of chosen) {
      // Wall-clock time is read here, at the CLI edge: time to the first failure, and a budget.
      const started = performance.now();
      let ms = Infinity;
      const result = huntMutant(m, { runs, seed, timeLimitMs: limit, features, ...every, onFirstFailure: () => (ms = performance.now() - started) });
      rows.push({ name: m.name, description: m.description, result, ms });
      if (values.out !== undefined && result.failure) saveHuntCase(io, values.out, `mutant:${m.name}`, seed, result.failure);
      featureFlags.set(m.name, huntFeatures(m, features));
      io.err(`${m.name}: ${result.detected ? `caught by ${result.rule} in run ${result.runs}, shrunk to ${result.scheduleEvents} schedule events` : `NOT caught in ${result.runs} runs`} (${ms === Infinity ? '-' : ms.toFixed(0)} ms to first failure)\n`);
    }
    const header = '| mutant | what it breaks | caught | runs | time to first failure | rule that caught it | shrunk: schedule events / trace events | replay |\n| --- | --- | --- | --- | --- | --- | --- | --- |';
    const body = rows.map(({ name, description, result, ms }) => {
      const flags = featureFlags.get(name) ?? [];
      const replay = result.detected ? `\`raftcheck fuzz --impl mutant:${name} --seed ${seed} --runs ${result.runs} --faults swarm${flags.length > 0 ? ` --features ${flags.join(',')}` : ''}\`` : '';
      return `| \`${name}\` | ${description} | ${result.detected ? 'yes' : '**no**'} | ${result.runs} | ${ms === Infinity ? '-' : `${ms.toFixed(0)} ms`} | ${result.rule ? `\`${result.rule}\`` : ''} | ${result.detected ? `${result.scheduleEvents} / ${result.traceEvents}` : ''} | ${replay} |`;
    });
    const caught = rows.filter((r) => r.result.detected);
    const times = caught.map((r) => r.ms).filter((x) => x !== Infinity).sort((a, b) => a - b);
    const summary = `${caught.length} of ${rows.length} mutants caught; time to first failure: median ${times.length ? times[Math.floor(times.length / 2)]!.toFixed(0) : '-'} ms, worst ${times.length ? times.at(-1)!.toFixed(0) : '-'} ms.`;
    io.out(`${header}\n${body.join('\n')}\n\n${summary}\n`);
    if (!values['no-write'] && !names && features.length === 0) {
      const doc = `# Bug catalogue\n\nWritten by \`raftcheck mutants --runs ${runs} --seed ${seed}\`. Each mutant is the reference node with one rule broken (\`harness/mutants/catalogue.ts\`). A fuzzing campaign (fast-check, swarm faults: a different mix of loss, duplication, delays, partitions, crashes and batch sizes per run) runs a cluster of mutant nodes and checks every event until a run fails; the failing schedule is then shrunk. *Time to first failure* excludes shrinking; the last columns give the size of the shrunk counterexample.\n\n${header}\n${body.join('\n')}\n\n${summary}\n`;
      writeFileAtomic(path.join(ROOT, 'MUTANTS.md'), doc, { overwrite: true });
      io.err('wrote MUTANTS.md\n');
    }
    return caught.length === rows.length ? EXIT.ok : EXIT.failed;
  },
};

/** Saves a hunt's shrunk failure as a regression case (the same file a fuzz campaign would write). */
function saveHuntCase(io: CliIO, dir: string, impl: string, seed: number, failure: ShrunkFailure): void {
  const saved = saveCase(dir, failureMeta({ impl, seed, faults: 'swarm' }, failure), failure.outcome.lines);
  io.err(`  regression case: ${saved.file}${saved.created ? '' : ' (already saved)'}\n`);
}
