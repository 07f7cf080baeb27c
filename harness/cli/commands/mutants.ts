import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { durationOption, EXIT, intOption, parseCommandLine, UsageError, type Command } from '../command.js';
import { MUTANTS } from '../../mutants/catalogue.js';
import { huntMutant, type HuntResult } from '../../mutants/hunt.js';
import { writeFileAtomic } from '../../io/atomic-write.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export const mutantsCommand: Command = {
  name: 'mutants',
  summary: 'run the bug catalogue: simulate each mutant node until the checker catches it',
  help: `Usage: raftcheck mutants [--runs N] [--seed S] [--time-limit D] [--only NAME,...] [--no-write]

Each mutant is the reference node with one rule broken (see harness/mutants/catalogue.ts).
For each, faulty runs of a cluster of mutant nodes are simulated (run i uses seed S+i) and
checked by every rule until one fails. A mutant that is never caught is a finding: the
schedules or the checker must improve. Prints a table and writes it to MUTANTS.md.

Options:
  --runs N         runs per mutant before giving up (default 100)
  --seed S         seed of the first run (default 1)
  --time-limit D   wall-clock budget per mutant, e.g. 30s (default 30s)
  --only NAMES     hunt only these mutants (comma-separated)
  --list           list the mutants and exit
  --no-write       do not write MUTANTS.md
  -h, --help       show this help

Exit codes: 0 every mutant caught; 1 some mutant survived; 2 usage error.
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(argv, {
      runs: { type: 'string' },
      seed: { type: 'string' },
      'time-limit': { type: 'string' },
      only: { type: 'string' },
      list: { type: 'boolean' },
      'no-write': { type: 'boolean' },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    if (values.list) {
      for (const m of MUTANTS) io.out(`${m.name.padEnd(28)} ${m.description}\n`);
      return EXIT.ok;
    }
    const runs = intOption('runs', values.runs, 100, 1);
    const seed = intOption('seed', values.seed, 1, -Number.MAX_SAFE_INTEGER);
    const limit = durationOption('time-limit', values['time-limit'], 30_000);
    const names = values.only?.split(',').map((s) => s.trim()).filter(Boolean);
    for (const n of names ?? []) if (!MUTANTS.some((m) => m.name === n)) throw new UsageError(`--only: unknown mutant '${n}' (see --list)`);
    const chosen = names ? MUTANTS.filter((m) => names.includes(m.name)) : MUTANTS;

    const rows: Array<{ name: string; description: string; result: HuntResult; ms: number }> = [];
    for (const m of chosen) {
      // Wall-clock time is read here, at the CLI edge, and only to stop early.
      const started = performance.now();
      const result = huntMutant(m.createNode, { runs, seed, shouldStop: () => performance.now() - started > limit });
      const ms = performance.now() - started;
      rows.push({ name: m.name, description: m.description, result, ms });
      io.err(`${m.name}: ${result.detected ? `caught by ${result.rule} in run ${result.runs} (seed ${result.seed})` : `NOT caught in ${result.runs} runs`} (${ms.toFixed(0)} ms)\n`);
    }
    const header = '| mutant | what it breaks | caught | runs | time to first failure | rule that caught it | events to the violation | replay |\n| --- | --- | --- | --- | --- | --- | --- | --- |';
    const body = rows.map(({ name, description, result, ms }) => {
      const replay = result.detected ? `\`raftcheck mutants --only ${name} --runs ${result.runs} --seed ${seed}\`` : '';
      return `| \`${name}\` | ${description} | ${result.detected ? 'yes' : '**no**'} | ${result.runs} | ${ms.toFixed(0)} ms | ${result.rule ? `\`${result.rule}\`` : ''} | ${result.events ?? ''} | ${replay} |`;
    });
    const caught = rows.filter((r) => r.result.detected);
    const times = caught.map((r) => r.ms).sort((a, b) => a - b);
    const summary = `${caught.length} of ${rows.length} mutants caught; time to first failure: median ${times.length ? times[Math.floor(times.length / 2)]!.toFixed(0) : '-'} ms, worst ${times.length ? times.at(-1)!.toFixed(0) : '-'} ms.`;
    io.out(`${header}\n${body.join('\n')}\n\n${summary}\n`);
    if (!values['no-write'] && !names) {
      const doc = `# Bug catalogue\n\nWritten by \`raftcheck mutants --runs ${runs} --seed ${seed}\`. Each mutant is the reference node with one rule broken; run i of a hunt simulates a faulty cluster of mutant nodes from seed ${seed}+i (3 and 5 nodes alternately; loss, duplication, partitions, crashes, clients; every third run with long delays and small batches) and checks it with every rule. The number of events is the line of the first violation in the failing trace (shrinking to a minimal counterexample comes with the fuzzer).\n\n${header}\n${body.join('\n')}\n\n${summary}\n`;
      writeFileAtomic(path.join(ROOT, 'MUTANTS.md'), doc, { overwrite: true });
      io.err('wrote MUTANTS.md\n');
    }
    return caught.length === rows.length ? EXIT.ok : EXIT.failed;
  },
};
