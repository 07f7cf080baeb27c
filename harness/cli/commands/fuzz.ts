import { checkCampaignOutputs, printCampaign, saveCampaignOutputs } from '../campaign-output.js';
import { durationOption, EXIT, featuresOption, intOption, parseCommandLine, snapshotEveryOption, UsageError, type Command } from '../command.js';
import { implHelp, implOption, interleaveHelp, replyTimeoutOption, skipRulesOption } from '../impl-option.js';
import { runPoolCampaign } from '../../fuzz/pool-campaign.js';
import { DEFAULT_SHRINK_RUNS } from '../../fuzz/run-range.js';
import { formatCampaignReport, formatCampaignScope } from '../../fuzz/report.js';
import { FAULT_LEVELS, type FaultLevel } from '../../fuzz/schedule.js';
import { parseShard, shardRange } from '../../fuzz/shard.js';
import { buildSummary } from '../../fuzz/summary.js';
import { defaultWorkers } from '../../pool/worker-pool.js';
import { runFeatures } from '../../adapters/features.js';

/**
 * Below this many runs a campaign stays on the main thread by default: starting a worker
 * (tsx and the module graph, in its own thread) costs about a second, more than a few hundred
 * runs take (measured on 2 cores: 300 runs 1.2 s on the main thread, 1.8 s on two workers;
 * 4,000 runs 9.6 s and 6.4 s).
 */
const PARALLEL_MIN_RUNS = 2000;

export const fuzzCommand: Command = {
  name: 'fuzz',
  summary: 'generate random schedules with fast-check, check every run, shrink a failure and save it as a regression case',
  help: `Usage: raftcheck fuzz [options]

Generates schedules (message loss, duplication and delays; partitions; crashes and restarts;
client set/get/cas operations; election timeout draws) with fast-check, runs the cluster on
each in virtual time, and checks every event as it is written (conformance, invariants,
linearizability), stopping a run at its first violation. After the schedule's faults, every
partition heals, crashed nodes restart and the network turns reliable and fast: within
10 × the maximum election timeout a leader must be elected and a client write must commit
(bounded liveness, reported as rule 'liveness'). A failing schedule is shrunk (fast-check)
and minimised (fewer nodes, events and network faults, idle time cut, fewer heartbeats),
keeping only runs that break the same rule, to a short run that a person can read; it is
saved as traces/regressions/<rule>-<hash>.jsonl (never overwriting), which 'npm test'
replays from then on. Shrinking is bounded by a count of runs, never by time: the same seed
saves the same case on every machine.

Options:
${implHelp('reference')}
${interleaveHelp}
  --runs N           schedules to try (default 100)
  --seed S           fast-check seed (default 1): the same seed and options give the same runs
  --nodes LIST       cluster sizes to draw from: 3, 5 or 3,5; 1 and 2 are legal Raft too (default 3,5)
  --faults LEVEL     none | mild | harsh | swarm (a different fault mix per run) (default mild)
  --duration D       virtual time per run (default 3s)
  --features LIST    protocol extensions the nodes run: prevote, checkquorum, transfer, snapshot,
                     heartbeat, membership (comma-separated, or all); default none.
                     Traces declare them in their header and are checked under them; with
                     transfer, schedules also ask nodes to hand leadership over; with snapshot,
                     nodes compact their logs (see --snapshot-every); with heartbeat, a leader's
                     heartbeat is etcd's Heartbeat message; with membership, some nodes start
                     outside the configuration and the leader is asked to add, promote and
                     remove nodes. An implementation that declares features (its profile, a
                     driver's init reply) runs with those: --features may only repeat them
  --snapshot-every N with --features snapshot: a node snapshots once it has applied N entries
                     past its last snapshot (default: drawn per schedule from 1, 3, 8)
  --out DIR          where to save the regression case (default traces/regressions)
  --time-limit D     wall-clock budget for finding a failure, e.g. 60s (default 60s);
                     shrinking it is bounded by --shrink-runs instead
  --shrink-runs N    most runs shrinking a failure may spend (default ${DEFAULT_SHRINK_RUNS})
  --workers N        worker threads running schedules (1: the main thread). The result never
                     depends on N. Default: the number of cores for 2,000 runs or more (a
                     worker costs about a second to start), else 1
  --shard I/N        run only the I-th of N contiguous blocks of the run indexes 0..runs-1
                     (numbered from 1), for CI matrices and indexed jobs; merge the shards'
                     summaries with 'raftcheck merge-results' (see docs/SCALING.md)
  --summary FILE     write the JSON summary (seed, runs, shard, outcome counts, the failure
                     and its regression case) to FILE, atomically
  --force            replace the --summary FILE if it exists
  --json             print the JSON summary on stdout (the report goes to stderr)
  --progress         show progress on stderr: runs and events/s, the time to the first
                     failure, then the shrinking runs and their time (default: when stderr
                     is a terminal)
  -h, --help         show this help

An external node (cmd:) that misbehaves is a failure like any other, named by its rule:
driver.protocol (a reply that is not JSON or breaks spec/driver.schema.json), driver.error,
driver.timeout (no reply in time; not shrunk), driver.crash (the process exited),
driver.flood (too much output). Its processes are always killed; with --workers N, each
worker thread starts its own. Its reply to init may declare rules that do not apply to it
(skipRules, with reasons; spec/DRIVER.md): like --skip-rules and a built-in implementation's
profile, they are not checked, listed in the report, and recorded in the trace header, so that
the saved case, its report, validate and replay judge it the same way. An asynchronous adapter
runs in a worker thread of its own: adapter.unsettled (work that never ends), adapter.timeout
(a call that never returns to the event loop; not shrunk), adapter.load.

Run i of a seed is always the same schedule (fast-check replays from any run index), and a
campaign's failure is the failing run with the smallest index, shrunk: the same seed and
--runs give the same result with any --workers, and N shards merged give the result of one
unsharded campaign.

Exit codes: 0 no failure; 1 a failure was found (its case is saved); 2 usage error.

Examples:
  raftcheck fuzz --impl reference --runs 500 --seed 1
  raftcheck fuzz --impl mutant:commit-old-term --seed 1 --faults harsh
  raftcheck fuzz --impl cmd:"python3 examples/python-raft/raft_node.py" --runs 20
  raftcheck fuzz --impl coaty --runs 200 --faults swarm
  raftcheck fuzz --features prevote,checkquorum,transfer --runs 300 --faults swarm
  raftcheck fuzz --impl ./my-adapter.ts --skip-rules 'vote-once=votedFor is not persisted (issue 12)'
  raftcheck fuzz --impl ./my-async-adapter.ts --interleave --runs 300
  raftcheck fuzz --runs 10000 --seed 7 --shard 2/8 --summary shard-2.json
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(argv, {
      impl: { type: 'string' },
      'reply-timeout': { type: 'string' },
      'skip-rules': { type: 'string' },
      interleave: { type: 'boolean' },
      runs: { type: 'string' },
      seed: { type: 'string' },
      nodes: { type: 'string' },
      faults: { type: 'string' },
      duration: { type: 'string' },
      features: { type: 'string' },
      'snapshot-every': { type: 'string' },
      out: { type: 'string' },
      'time-limit': { type: 'string' },
      'shrink-runs': { type: 'string' },
      workers: { type: 'string' },
      shard: { type: 'string' },
      summary: { type: 'string' },
      force: { type: 'boolean' },
      json: { type: 'boolean' },
      progress: { type: 'boolean' },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const impl = values.impl ?? 'reference';
    const replyTimeoutMs = replyTimeoutOption(values['reply-timeout']);
    const interleave = values.interleave === true;
    const createNode = await implOption(impl, values['reply-timeout'], values['skip-rules'], interleave);
    const runs = intOption('runs', values.runs, 100, 1);
    const seed = intOption('seed', values.seed, 1, -(2 ** 31), 2 ** 31 - 1);
    const nodes = (values.nodes ?? '3,5').split(',').map((x) => intOption('nodes', x, 3, 1, 9));
    const faults = (values.faults ?? 'mild') as FaultLevel;
    if (!FAULT_LEVELS.includes(faults)) throw new UsageError(`--faults: expected one of ${FAULT_LEVELS.join(', ')}, got '${values.faults}'`);
    const durationMs = durationOption('duration', values.duration, 3000);
    // A feature's mutant runs with its feature on, asked for or not; an adapter or a driver with the features it declares.
    const features = runFeatures(createNode, values.features === undefined ? undefined : featuresOption(values.features));
    if ('error' in features) throw new UsageError(`--features: ${features.error}: leave --features out, or give the same list`);
    const withFeatures = { ...(features.length > 0 ? { features } : {}), ...snapshotEveryOption(values['snapshot-every'], features) };
    const timeLimitMs = durationOption('time-limit', values['time-limit'], 60_000);
    const shrinkRuns = intOption('shrink-runs', values['shrink-runs'], DEFAULT_SHRINK_RUNS, 0);
    const shard = values.shard === undefined ? null : parseShard(values.shard);
    if (shard && 'error' in shard) throw new UsageError(`--shard: ${shard.error}`);
    if (shard && shard.count > runs) throw new UsageError(`--shard: ${shard.count} shards for ${runs} runs (at most one shard per run)`);
    const outputs = { out: values.out ?? 'traces/regressions', summary: values.summary, force: Boolean(values.force) };
    checkCampaignOutputs(outputs);
    const showProgress = values.progress ?? io.isTTY;
    const range = shardRange(runs, shard);
    const workers = intOption('workers', values.workers, range.end - range.start >= PARALLEL_MIN_RUNS ? defaultWorkers() : 1, 1, 1024);

    // Wall-clock reads happen here, at the CLI edge: the time limit, progress, and the timing
    // of the runs apart from the time spent shrinking their failure.
    const started = performance.now();
    let searchMs = 0;
    const total = range.end - range.start;
    // A progress line is rewritten in place (\r) until it is ended.
    let lineOpen = false;
    const status = (text: string) => {
      io.err(`\r${text}   `);
      lineOpen = true;
    };
    const endLine = () => {
      if (lineOpen) io.err('\n');
      lineOpen = false;
    };
    const progress = (done: number, events: number, failed: boolean) => {
      if (!showProgress) return;
      const seconds = (performance.now() - started) / 1000;
      status(`${bar(done, total)} ${done} runs, ${Math.round(events / Math.max(seconds, 1e-3))} events/s${failed ? ', failure found' : ''}`);
    };
    const runsDone = (failedAt: number | null) => {
      searchMs = performance.now() - started;
      if (!showProgress || failedAt === null) return;
      endLine();
      io.err(`first failure: run ${failedAt}, after ${(searchMs / 1000).toFixed(1)} s\n`);
    };
    // Shrinking can take a while (every attempt is a whole run): say so as it goes, and how it ended.
    const shrunk = { attempts: 0, smaller: 0 };
    const shrinkStatus = () => status(`shrinking: ${shrunk.attempts} of at most ${shrinkRuns} runs, ${shrunk.smaller} smaller failing schedules, ${((performance.now() - started - searchMs) / 1000).toFixed(1)} s`);
    const shrinking = (attempts: number, smaller: number) => {
      Object.assign(shrunk, { attempts, smaller });
      if (showProgress && (attempts % 10 === 0 || attempts === 1)) shrinkStatus();
    };
    const skipRules = skipRulesOption(values['skip-rules']);
    const campaign = { impl, seed, runs, nodes, faults, durationMs, ...withFeatures, ...(skipRules.length ? { skipRules } : {}), ...(interleave ? { interleave: true as const } : {}), ...(shrinkRuns !== DEFAULT_SHRINK_RUNS ? { shrinkRuns } : {}) };
    const result = await runPoolCampaign({
      impl, spec: { seed, nodes, faults, durationMs, ...withFeatures }, range, workers, createNode, replyTimeoutMs, shrinkRuns, skipRules: createNode.profile?.skipRules ?? [], interleave,
      remainingMs: () => timeLimitMs - (performance.now() - started), onProgress: progress, onRunsDone: runsDone, onShrinkStep: shrinking,
    });
    if (showProgress && shrunk.attempts > 0) shrinkStatus();
    endLine();
    const timing = { searchMs: Math.round(searchMs), shrinkMs: result.failure ? Math.round(performance.now() - started - searchMs) : 0 };
    const summary = buildSummary(campaign, shard, result, timing);
    const saved = saveCampaignOutputs(summary, outputs);
    const report = formatCampaignReport(summary, { ...(saved ? { saved } : {}), timeLimitMs }) + formatCampaignScope(createNode.profile?.skipRules, summary.notModelled);
    printCampaign(io, summary, report, Boolean(values.json));
    return summary.failure ? EXIT.failed : EXIT.ok;
  },
};

function bar(done: number, total: number): string {
  const width = 20;
  const filled = Math.min(width, Math.round((done / total) * width));
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}
