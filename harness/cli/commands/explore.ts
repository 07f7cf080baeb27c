import { buildModel, MAX_SERVERS } from '../../explore/build-model.js';
import { DEFAULT_BOUNDS, type ExploreBounds } from '../../explore/model.js';
import { saveExploreCase } from '../../explore/regression.js';
import { describeScope, formatProgress, formatResult } from '../../explore/report.js';
import { explore, type SearchMode, type SearchResult } from '../../explore/search.js';
import { exploreParallel } from '../../explore/parallel/explore-parallel.js';
import { CoverageCounter } from '../../explore/coverage.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { checkOutputDir, checkOutputFile } from '../outputs.js';
import { durationOption, EXIT, InputError, intOption, parseCommandLine, UsageError, type Command } from '../command.js';

const MODES: readonly SearchMode[] = ['bfs', 'dfs', 'iddfs'];
const d = DEFAULT_BOUNDS;

export const exploreCommand: Command = {
  name: 'explore',
  summary: 'search every reachable state of a small cluster of reference (or mutant) nodes within bounds, checking every rule on every step',
  help: `Usage: raftcheck explore [options]

Exhaustive state-space search, in the manner of TLC: from the initial state (every server a
follower of term 0, nothing in flight), every enabled action — an election or heartbeat
timeout, the delivery of any message in flight (in any order), its loss or duplication, a
crash, a restart, a client request — is taken in every state, up to the bounds. Time is
abstract: a timeout may fire whenever its timer is armed (docs/EXPLORE.md). Every step is
checked by the checker's own rules (cluster invariants; for a mutant, conformance to the
reference statechart); the visited set holds 64-bit fingerprints of canonical states.

A violation is reported with a shortest counterexample (breadth-first and iterative
deepening) and saved as a regression case: a v1 trace that validate, view and replay read,
and that 'npm test' replays.

Options:
  --impl NAME          reference | mutant:NAME (default reference); --mutant NAME is short
                       for --impl mutant:NAME
  --servers N          servers (default ${d.servers}, at most ${MAX_SERVERS})
  --max-term N         no currentTerm above N (default ${d.maxTerm})
  --max-log N          no log longer than N entries (default ${d.maxLog})
  --max-msgs N         at most N messages in flight, copies counted (default ${d.maxMsgs})
  --max-crashes N      crashes along a path (default ${d.maxCrashes}); a crashed server may restart
  --max-client-ops N   client requests along a path (default ${d.maxClientOps}): set k (the k-th
                       request) or get, to any running server
  --batch N            most entries one AppendEntries carries (default ${d.batch}, as the
                       simulator; 1 makes a leader catch a follower up entry by entry)
  --symmetry           identify states that differ only by a permutation of the servers
  --mode MODE          bfs (default) | dfs | iddfs (iterative deepening: shortest counterexample
                       in a depth-first search's memory); dfs and iddfs need --max-depth
  --max-depth N        no path longer than N actions
  --max-states N       stop after N distinct states (exit 0, "bounded: not exhausted")
  --time-budget D      stop after D of wall time, e.g. 30s (exit 0, "bounded: not exhausted")
  --max-memory SIZE    stop once the process's resident memory passes SIZE, e.g. 2g, 512m
                       (exit 0, "bounded: not exhausted")
  --workers N          breadth-first search on N worker threads sharing one visited set
                       (default 1): the same distinct states, states generated, depth and
                       verdict as one, and still a shortest counterexample (of the violations
                       at that depth, the least by rule, state and action, not the first one
                       found); bfs only, without --coverage. Its visited set is sized by
                       --max-states (default room for 6 million states, 64 MiB), and a search
                       that fills it stops cleanly
  --out DIR            where a counterexample is saved as a regression case
                       (default traces/regressions; never overwriting)
  --no-save            print a counterexample, save nothing
  --coverage FILE      write the statechart transitions the search's steps took, as JSON, to
                       FILE (atomically); 'raftcheck diagram --coverage FILE' draws them
  --force              replace the --coverage FILE if it exists
  --progress           print the counts every 50,000 distinct states on stderr
  -h, --help           show this help

States beyond a bound (a term, a log or the messages in flight over it) are checked and
counted, never expanded. The counts and the counterexample are the same on every run; only
rates and a --time-budget depend on the machine.

Exit codes: 0 no violation (exhausted, or bounded: not exhausted); 1 a violation; 2 usage error.

Examples:
  raftcheck explore --servers 2 --max-term 1 --max-log 1 --max-msgs 2
  raftcheck explore --mutant vote-twice --servers 3 --max-term 1 --max-log 0 --max-msgs 2 --max-client-ops 0
  raftcheck explore --servers 3 --max-term 2 --max-log 1 --symmetry --time-budget 60s --progress
  raftcheck explore --servers 3 --max-term 1 --max-log 1 --max-msgs 2 --workers 2
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(argv, {
      impl: { type: 'string' },
      mutant: { type: 'string' },
      servers: { type: 'string' },
      'max-term': { type: 'string' },
      'max-log': { type: 'string' },
      'max-msgs': { type: 'string' },
      'max-crashes': { type: 'string' },
      'max-client-ops': { type: 'string' },
      batch: { type: 'string' },
      symmetry: { type: 'boolean' },
      mode: { type: 'string' },
      'max-depth': { type: 'string' },
      'max-states': { type: 'string' },
      'time-budget': { type: 'string' },
      'max-memory': { type: 'string' },
      workers: { type: 'string' },
      out: { type: 'string' },
      'no-save': { type: 'boolean' },
      coverage: { type: 'string' },
      force: { type: 'boolean' },
      progress: { type: 'boolean' },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    if (values.impl !== undefined && values.mutant !== undefined) throw new UsageError('--impl and --mutant: give one of them');
    const impl = values.mutant !== undefined ? `mutant:${values.mutant}` : values.impl ?? 'reference';
    const bounds: ExploreBounds = {
      servers: intOption('servers', values.servers, d.servers, 1, MAX_SERVERS),
      maxTerm: intOption('max-term', values['max-term'], d.maxTerm, 0, 1000),
      maxLog: intOption('max-log', values['max-log'], d.maxLog, 0, 1000),
      maxMsgs: intOption('max-msgs', values['max-msgs'], d.maxMsgs, 0, 1000),
      maxCrashes: intOption('max-crashes', values['max-crashes'], d.maxCrashes, 0, 1000),
      maxClientOps: intOption('max-client-ops', values['max-client-ops'], d.maxClientOps, 0, 1000),
      batch: intOption('batch', values.batch, d.batch, 1, 1000),
    };
    const mode = (values.mode ?? 'bfs') as SearchMode;
    if (!MODES.includes(mode)) throw new UsageError(`--mode: expected one of ${MODES.join(', ')}, got '${values.mode}'`);
    const maxDepth = values['max-depth'] === undefined ? undefined : intOption('max-depth', values['max-depth'], 0, 1, 60_000);
    if (mode !== 'bfs' && maxDepth === undefined) throw new UsageError(`--mode ${mode}: needs --max-depth N (a depth-first search needs a depth bound)`);
    const maxStates = values['max-states'] === undefined ? undefined : intOption('max-states', values['max-states'], 0, 1);
    const timeBudgetMs = values['time-budget'] === undefined ? undefined : durationOption('time-budget', values['time-budget'], 0);
    const maxMemory = values['max-memory'] === undefined ? undefined : sizeOption('max-memory', values['max-memory']);
    const workers = intOption('workers', values.workers, 1, 1, 64);
    if (workers > 1 && mode !== 'bfs') throw new UsageError(`--workers ${workers}: breadth-first only (--mode bfs), got --mode ${mode}`);
    if (workers > 1 && values.coverage !== undefined) throw new UsageError('--workers and --coverage: coverage is counted on one thread; give one of them');
    const out = values.out ?? 'traces/regressions';
    const save = !values['no-save'];
    if (values['no-save'] && values.out !== undefined) throw new UsageError('--out and --no-save: give one of them');
    const model = buildModel(impl, bounds);
    if ('error' in model) throw new UsageError(`--impl: ${model.error}`);
    if (save) checkOutputDir('--out', out);
    if (values.coverage !== undefined) checkOutputFile('--coverage', values.coverage, { force: Boolean(values.force) });
    const counter = values.coverage !== undefined ? new CoverageCounter() : null;

    const options = {
      mode, symmetry: Boolean(values.symmetry),
      ...(maxDepth !== undefined ? { maxDepth } : {}), ...(maxStates !== undefined ? { maxStates } : {}), ...(timeBudgetMs !== undefined ? { timeBudgetMs } : {}),
      // The clock is read here, at the CLI edge: for rates and the time budget only.
      now: () => performance.now(),
      ...(maxMemory !== undefined ? { memoryBudgetBytes: maxMemory, memory: () => process.memoryUsage.rss() } : {}),
      ...(counter ? { onTransition: counter.onTransition } : {}),
      ...(values.progress ? { onProgress: (s: Parameters<typeof formatProgress>[0]) => io.err(formatProgress(s)) } : {}),
    };
    io.out(`explore ${describeScope(model, options, workers)}\n`);
    const result: SearchResult = workers > 1
      ? await exploreParallel(model, { ...options, workers, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) })
      : explore(model, options);
    io.out(formatResult(result));
    if (counter) {
      writeFileAtomic(values.coverage!, `${JSON.stringify(counter.toJson(describeScope(model, options)), null, 1)}\n`, { overwrite: Boolean(values.force) });
      const taken = counter.counts.filter((c) => c > 0).length;
      io.out(`coverage: ${taken} of ${counter.counts.length} statechart transitions taken; wrote ${values.coverage}\n`);
    }
    if (result.outcome !== 'violation') return EXIT.ok;
    const v = result.violation!;
    if (save) {
      let saved;
      try {
        saved = saveExploreCase(out, model, { impl, bounds, actions: v.actions, rule: v.rule, line: v.line!, message: v.message });
      } catch (e) {
        throw new InputError(`cannot save the counterexample in ${out}: ${e instanceof Error ? e.message : String(e)}`);
      }
      io.out(`counterexample: ${saved.file}${saved.created ? '' : ' (already saved)'} — raftcheck validate/view/replay read it\n`);
    }
    return EXIT.failed;
  },
};

/** A size in bytes: 2g, 512m, 64k or a bare number of bytes. */
function sizeOption(name: string, raw: string): number {
  const m = /^(\d+)([kmg]?)b?$/i.exec(raw.trim());
  const units: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };
  if (!m) throw new UsageError(`--${name}: expected a size such as 2g, 512m or 65536, got '${raw}'`);
  const bytes = Number(m[1]) * units[m[2]!.toLowerCase()]!;
  if (bytes < 1024 ** 2) throw new UsageError(`--${name}: must be at least 1m, got '${raw}'`);
  return bytes;
}
