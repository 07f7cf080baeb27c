/**
 * `npm run soak [-- --runs N --seed S]`: simulates N faulty runs (3 and 5 nodes alternately)
 * and checks each with every rule, to show there are no false alarms. The test suite runs 200;
 * this is the full campaign (default 1,000). Prints the seed and the replay command of any
 * failure.
 *
 * `npm run soak -- --async [--runs N]`: the same for the asynchronous test node, in each
 * configuration the test suite runs 24 times (default 200 each; soak-async.ts).
 *
 * `npm run soak -- --features LIST [--runs N]`: swarm fuzzing schedules (3 and 5 nodes) of the
 * reference with these protocol extensions on (`all`: every one, membership included), each
 * checked with every rule, liveness included; the test suite runs 40 to 120 (default 1,000).
 */
import { parseArgs } from 'node:util';
import { DEFAULT_SIMULATION, simulate, type SimulationOptions } from '../simulator/simulate.js';
import { TraceValidation } from '../validate/validate-file.js';
import type { TraceLine } from '../../src/trace/schema.js';
import { soakAsync } from './soak-async.js';
import { runCampaign } from '../fuzz/campaign.js';
import { campaignCommand } from '../fuzz/report.js';
import { parseFeatureList } from '../../src/raft/features/index.js';
import { createReferenceNode } from '../../src/raft/node.js';

const { values } = parseArgs({ options: { runs: { type: 'string' }, seed: { type: 'string', default: '1' }, async: { type: 'boolean', default: false }, features: { type: 'string' } } });
const first = Number(values.seed);
if (values.async) {
  process.exitCode = (await soakAsync(Number(values.runs ?? '200'), first)) > 0 ? 1 : 0;
} else if (values.features !== undefined) {
  soakFeatures(values.features, Number(values.runs ?? '1000'));
} else {
  soakReference(Number(values.runs ?? '1000'));
}

function soakReference(runs: number): void {
  let failures = 0;
  let events = 0;
  const started = performance.now();
  for (let i = 0; i < runs; i++) {
    const seed = first + i;
    const nodes = i % 2 === 0 ? 3 : 5;
    const options: SimulationOptions = { ...DEFAULT_SIMULATION, seed, nodes, durationMs: 5000, drop: 0.1, duplicate: 0.05, partitionEvery: 1000, crashEvery: 1500, clients: 3 };
    const validation = new TraceValidation({ maxErrors: 1 });
    let n = 0;
    simulate(options, { write: (line: TraceLine) => validation.line(line, ++n), close() {} });
    events += n;
    const report = validation.finish(`seed ${seed}`, { lines: n, bytes: 0 });
    if (!report.valid) {
      failures++;
      const e = report.errors[0]!;
      process.stdout.write(`seed ${seed}: line ${e.line}: ${e.message} [${e.rule}]\n  replay: npx raftcheck simulate --nodes ${nodes} --seed ${seed} --duration 5s --drop 0.1 --dup 0.05 --partition-every 1s --crash-every 1500ms --clients 3 -o seed-${seed}.jsonl && npx raftcheck validate seed-${seed}.jsonl\n`);
    }
    if (process.stderr.isTTY) process.stderr.write(`\r${i + 1}/${runs} runs, ${failures} failing`);
  }
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(`${process.stderr.isTTY ? '\n' : ''}${runs} runs (seeds ${first}..${first + runs - 1}), ${events} events in ${seconds.toFixed(1)} s: ${failures} with a violation\n`);
  process.exitCode = failures > 0 ? 1 : 0;
}

function soakFeatures(list: string, runs: number): void {
  const features = parseFeatureList(list);
  if ('error' in features) {
    process.stderr.write(`--features: ${features.error}\n`);
    process.exitCode = 2;
    return;
  }
  const started = performance.now();
  const campaign = { impl: 'reference', seed: first, nodes: [3, 5], faults: 'swarm', durationMs: 3000, features } as const;
  const r = runCampaign({ ...campaign, createNode: createReferenceNode, runs, shrink: false });
  const seconds = (performance.now() - started) / 1000;
  const e = r.failure?.outcome.error;
  if (e) process.stdout.write(`run ${r.runs - 1}: line ${e.line}: ${e.message} [${e.rule}]\n  replay: npx ${campaignCommand({ ...campaign, nodes: [...campaign.nodes], runs: r.runs }, null)}\n`);
  process.stdout.write(`${r.runs} swarm schedules with ${features.join(', ')} (seed ${first}) in ${seconds.toFixed(1)} s: ${e ? 'a violation' : 'no violation'}\n`);
  process.exitCode = e ? 1 : 0;
}
