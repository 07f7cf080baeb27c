/**
 * `npm run soak -- --async [--runs N --seed S]`: the asynchronous test node
 * (test/fixtures/adapters/async-raft/) fuzzed in every configuration the test suite runs 24
 * times (test/async-adapters.test.ts), N times each (default 200): no false alarm with mild
 * and swarm faults, nor with --interleave on the in-memory and the disk-like store; and the
 * node with the vote race passes N runs without --interleave (it takes interleaving to find
 * it). Prints each configuration's outcome, and the rerun command of any failure.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCampaign } from '../fuzz/campaign.js';
import { campaignCommand } from '../fuzz/report.js';
import { loadImplementation } from '../fuzz/implementations.js';
import type { FaultLevel } from '../fuzz/schedule.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const NODE = './test/fixtures/adapters/async-raft/adapter.ts';
const SLOW_DISK = './test/fixtures/adapters/async-raft/slow-disk-adapter.ts';
const RACY = './test/fixtures/adapters/async-raft/racy-vote-adapter.ts';

interface Configuration {
  impl: string;
  faults: FaultLevel;
  interleave: boolean;
  nodes: number[];
}

const CONFIGURATIONS: Configuration[] = [
  { impl: NODE, faults: 'mild', interleave: false, nodes: [3, 5] },
  { impl: NODE, faults: 'swarm', interleave: false, nodes: [3, 5] },
  { impl: NODE, faults: 'mild', interleave: true, nodes: [3, 5] },
  { impl: SLOW_DISK, faults: 'mild', interleave: true, nodes: [3, 5] },
  { impl: RACY, faults: 'mild', interleave: false, nodes: [3, 5] },
];

/** Runs every configuration `runs` times from `seed`; returns how many had a failure. */
export async function soakAsync(runs: number, seed: number): Promise<number> {
  let failures = 0;
  for (const c of CONFIGURATIONS) {
    const createNode = await loadImplementation(path.join(ROOT, c.impl), { async: { interleave: c.interleave } });
    if ('error' in createNode) throw new Error(createNode.error);
    const started = performance.now();
    const campaign = { impl: c.impl, seed, runs, nodes: c.nodes, faults: c.faults, durationMs: 2000, ...(c.interleave ? { interleave: true as const } : {}) };
    const r = runCampaign({ ...campaign, createNode, shrink: false });
    const what = `${c.impl}${c.interleave ? ' --interleave' : ''}, faults ${c.faults}`;
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const error = r.failure?.outcome.error;
    if (error) {
      failures++;
      process.stdout.write(`${what}: FAILED [${error.rule}] at run ${r.failure!.index}: ${error.message}\n  rerun: npx ${campaignCommand(campaign, null)}\n`);
    } else {
      process.stdout.write(`${what}: no failure in ${r.runs} runs (${r.events} events, ${seconds} s)\n`);
    }
  }
  return failures;
}
