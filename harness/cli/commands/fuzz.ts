import fs from 'node:fs';
import { printCampaign, saveCampaignOutputs } from '../campaign-output.js';
import { durationOption, EXIT, featuresOption, InputError, intOption, parseCommandLine, snapshotEveryOption, UsageError, type Command } from '../command.js';
import { implHelp, implOption, replyTimeoutOption } from '../impl-option.js';
import { runPoolCampaign } from '../../fuzz/pool-campaign.js';
import { formatCampaignReport } from '../../fuzz/report.js';
import { FAULT_LEVELS, type FaultLevel } from '../../fuzz/schedule.js';
import { parseShard, shardRange } from '../../fuzz/shard.js';
import { buildSummary } from '../../fuzz/summary.js';
import { defaultWorkers } from '../../pool/worker-pool.js';
import { canonicalFeatures } from '../../../src/raft/features/index.js';

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
(bounded liveness, reported as rule 'liveness'). A failing schedule is shrunk to a
minimal one and saved as traces/regressions/<rule>-<hash>.jsonl (never overwriting), which
'npm test' replays from then on.

Options:
${implHelp('reference')}
  --runs N           schedules to try (default 100)
  --seed S           fast-check seed (default 1): the same seed and options give the same runs
  --nodes LIST       cluster sizes to draw from: 3, 5 or 3,5; 1 and 2 are legal Raft too (default 3,5)
  --faults LEVEL     none | mild | harsh | swarm (a different fault mix per run) (default mild)
  --duration D       virtual time per run (default 3s)
  --features LIST    protocol extensions the nodes run: prevote, checkquorum, transfer, snapshot (comma-
                     separated, or all); default none. Traces declare them in their header and
                     are checked under them; with transfer, schedules also ask nodes to hand
                     leadership over; with snapshot, nodes compact their logs (see
                     --snapshot-every)
  --snapshot-every N with --features snapshot: a node snapshots once it has applied N entries
                     past its last snapshot (default: drawn per schedule from 1, 3, 8)
  --out DIR          where to save the regression case (default traces/regressions)
  --time-limit D     wall-clock budget, e.g. 60s (default 60s)
  --workers N        worker threads running schedules (1: the main thread). The result never
                     depends on N. Default: the number of cores for 2,000 runs or more (a
                     worker costs about a second to start), else 1
  --shard I/N        run only the I-th of N contiguous blocks of the run indexes 0..runs-1
                     (numbered from 1), for CI matrices and indexed jobs; merge the shards'
                     summaries with 'raftcheck merge-results' (see docs/SCALING.md)
  --summary FILE     write the JSON summary (seed, runs, shard, outcome counts, the failure
                     and its regression case) to FILE, atomically
  --json             print the JSON summary on stdout (the report goes to stderr)
  --progress         show progress on stderr: runs and events/s, then the shrinking attempts
                     (default: when stderr is a terminal)
  -h, --help         show this help

An external node (cmd:) that misbehaves is a failure like any other, named by its rule:
driver.protocol (a reply that is not JSON or breaks spec/driver.schema.json), driver.error,
driver.timeout (no reply in time; not shrunk), driver.crash (the process exited),
driver.flood (too much output). Its processes are always killed; with --workers N, each
worker thread starts its own.

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
  raftcheck fuzz --runs 10000 --seed 7 --shard 2/8 --summary shard-2.json
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(argv, {
      impl: { type: 'string' },
      'reply-timeout': { type: 'string' },
      runs: { type: 'string' },
      seed: { type: 'string' },
      nodes: { type: 'string' },
      faults: { type: 'string' },
      duration: { type: 'string' },
      features: { type: 'string' },
      'snapshot-every': { type: 'string' },
      out: { type: 'string' },
      'time-limit': { type: 'string' },
      workers: { type: 'string' },
      shard: { type: 'string' },
      summary: { type: 'string' },
      json: { type: 'boolean' },
      progress: { type: 'boolean' },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const impl = values.impl ?? 'reference';
    const replyTimeoutMs = replyTimeoutOption(values['reply-timeout']);
    const createNode = await implOption(impl, values['reply-timeout']);
    const runs = intOption('runs', values.runs, 100, 1);
    const seed = intOption('seed', values.seed, 1, -(2 ** 31), 2 ** 31 - 1);
    const nodes = (values.nodes ?? '3,5').split(',').map((x) => intOption('nodes', x, 3, 1, 9));
    const faults = (values.faults ?? 'mild') as FaultLevel;
    if (!FAULT_LEVELS.includes(faults)) throw new UsageError(`--faults: expected one of ${FAULT_LEVELS.join(', ')}, got '${values.faults}'`);
    const durationMs = durationOption('duration', values.duration, 3000);
    // A feature's mutant runs with its feature on, asked for or not.
    const features = canonicalFeatures([...featuresOption(values.features), ...(createNode.features ?? [])]);
    const withFeatures = { ...(features.length > 0 ? { features } : {}), ...snapshotEveryOption(values['snapshot-every'], features) };
    const timeLimitMs = durationOption('time-limit', values['time-limit'], 60_000);
    const shard = values.shard === undefined ? null : parseShard(values.shard);
    if (shard && 'error' in shard) throw new UsageError(`--shard: ${shard.error}`);
    if (shard && shard.count > runs) throw new UsageError(`--shard: ${shard.count} shards for ${runs} runs (at most one shard per run)`);
    if (values.summary !== undefined && fs.existsSync(values.summary) && fs.statSync(values.summary).isDirectory()) throw new InputError(`--summary: ${values.summary} is a directory`);
    const out = values.out ?? 'traces/regressions';
    const showProgress = values.progress ?? io.isTTY;
    const range = shardRange(runs, shard);
    const workers = intOption('workers', values.workers, range.end - range.start >= PARALLEL_MIN_RUNS ? defaultWorkers() : 1, 1, 1024);

    // Wall-clock reads happen here, at the CLI edge: the time limit, and progress.
    const started = performance.now();
    const total = range.end - range.start;
    const progress = (done: number, events: number, failed: boolean) => {
      if (!showProgress) return;
      const seconds = (performance.now() - started) / 1000;
      io.err(`\r${bar(done, total)} ${done} runs, ${Math.round(events / Math.max(seconds, 1e-3))} events/s${failed ? ', failure found' : ''}   `);
    };
    // Shrinking can take a while (every attempt is a whole run): say so as it goes.
    const shrinking = (attempts: number, smaller: number) => {
      if (showProgress && (attempts % 10 === 0 || attempts === 1)) io.err(`\rshrinking the failure: ${attempts} schedules tried, ${smaller} smaller ones still fail   `);
    };
    const campaign = { impl, seed, runs, nodes, faults, durationMs, ...withFeatures };
    const result = await runPoolCampaign({
      impl, spec: { seed, nodes, faults, durationMs, ...withFeatures }, range, workers, createNode, replyTimeoutMs,
      remainingMs: () => timeLimitMs - (performance.now() - started), onProgress: progress, onShrinkStep: shrinking,
    });
    if (showProgress) io.err('\n');
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const summary = buildSummary(campaign, shard, result);
    const saved = saveCampaignOutputs(summary, out, values.summary);
    const report = formatCampaignReport(summary, { seconds, ...(saved ? { saved } : {}), timeLimitMs }) + describeScope(createNode.profile?.skipRules, summary.notModelled);
    printCampaign(io, summary, report, Boolean(values.json));
    return summary.failure ? EXIT.failed : EXIT.ok;
  },
};

function bar(done: number, total: number): string {
  const width = 20;
  const filled = Math.min(width, Math.round((done / total) * width));
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

/** What was not checked, and why; what the trace format does not model, counted. */
function describeScope(skipped: ReadonlyArray<{ rule: string; reason: string }> | undefined, notModelled: Record<string, number>): string {
  let text = '';
  const byReason = new Map<string, string[]>();
  for (const s of skipped ?? []) byReason.set(s.reason, [...(byReason.get(s.reason) ?? []), s.rule]);
  for (const [reason, rules] of byReason) text += `  not checked: ${rules.join(', ')} (${reason})\n`;
  const counts = Object.entries(notModelled).sort((a, b) => b[1] - a[1]);
  if (counts.length) text += `  not modelled (carried, logged as notes, not checked): ${counts.map(([name, n]) => `${name} ×${n}`).join(', ')}\n`;
  return text;
}
