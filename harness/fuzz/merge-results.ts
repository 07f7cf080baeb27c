/**
 * Merging shard summaries into the summary of the whole campaign: the shards must be of one
 * campaign and all present; they are walked in run order up to the first that failed, so the
 * merged failure is the first failing run of the run space, the one an unsharded campaign
 * stops at (shard.ts explains why shards are contiguous blocks).
 */
import { addCounts } from './run-range.js';
import { formatShard, shardRange } from './shard.js';
import type { FuzzSummary } from './summary.js';

export interface MergeInput {
  file: string;
  summary: FuzzSummary;
}

export interface Merged {
  summary: FuzzSummary;
  /** The input whose failure is the merged one. */
  failingInput: MergeInput | null;
  /** Failures of later shards, past the campaign's first failure (kept in their own summaries). */
  later: MergeInput[];
}

/** Merges, or names the first problem in one line. */
export function mergeSummaries(inputs: readonly MergeInput[]): Merged | { error: string } {
  const [first] = inputs;
  if (!first) return { error: 'no summaries given' };
  const campaign = JSON.stringify(first.summary.campaign);
  for (const input of inputs) {
    if (input.summary.raftcheck !== first.summary.raftcheck) return { error: `${input.file}: written by raftcheck ${input.summary.raftcheck}, but ${first.file} by ${first.summary.raftcheck} (every shard must run the same raftcheck)` };
    if (JSON.stringify(input.summary.campaign) !== campaign) {
      return { error: `${input.file}: a different campaign from ${first.file} (${describe(input.summary)} vs ${describe(first.summary)})` };
    }
  }
  const count = first.summary.shard?.count ?? 1;
  const byIndex = new Map<number, MergeInput>();
  for (const input of inputs) {
    const { shard, range } = input.summary;
    if ((shard?.count ?? 1) !== count) return { error: `${input.file}: ${shard ? `shard ${formatShard(shard)}` : 'an unsharded campaign'}, but ${first.file} is ${first.summary.shard ? `shard ${formatShard(first.summary.shard)}` : 'an unsharded campaign'}` };
    const index = shard?.index ?? 1;
    const twin = byIndex.get(index);
    if (twin) return { error: `${input.file}: shard ${index}/${count} is also given as ${twin.file}` };
    const expected = shardRange(first.summary.campaign.runs, shard);
    if (range.start !== expected.start || range.end !== expected.end) return { error: `${input.file}: covers runs ${range.start}..${range.end - 1}, but shard ${index}/${count} is runs ${expected.start}..${expected.end - 1}` };
    byIndex.set(index, input);
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !byIndex.has(i));
  if (missing.length > 0) return { error: `missing shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${count}`).join(', ')} (every shard's summary is needed)` };

  let evaluated = 0;
  let events = 0;
  const notModelled: Record<string, number> = {};
  let passed = 0;
  let interrupted = false;
  // Timing adds up over the shards walked, if every one of them measured it.
  let timing: { searchMs: number; shrinkMs: number } | undefined = { searchMs: 0, shrinkMs: 0 };
  let failingInput: MergeInput | null = null;
  const later: MergeInput[] = [];
  for (let i = 1; i <= count; i++) {
    const input = byIndex.get(i)!;
    const s = input.summary;
    if (failingInput) {
      if (s.failure) later.push(input);
      continue;
    }
    evaluated += s.evaluated;
    events += s.events;
    addCounts(notModelled, s.notModelled);
    passed += s.outcomes.passed;
    interrupted ||= s.interrupted;
    timing = timing && s.timing ? { searchMs: timing.searchMs + s.timing.searchMs, shrinkMs: s.timing.shrinkMs } : undefined;
    if (s.failure) failingInput = input;
  }
  const failed = failingInput ? 1 : 0;
  const runs = first.summary.campaign.runs;
  const { timing: _firstTiming, ...rest } = first.summary;
  const summary: FuzzSummary = {
    ...rest, shard: null, range: { start: 0, end: runs }, evaluated, events, notModelled, interrupted,
    outcomes: { passed, failed, notRun: runs - passed - failed }, ...(timing ? { timing } : {}), failure: failingInput?.summary.failure ?? null,
  };
  return { summary, failingInput, later };
}

function describe(s: FuzzSummary): string {
  const c = s.campaign;
  return `impl ${c.impl}, seed ${c.seed}, ${c.runs} runs, nodes ${c.nodes.join(',')}, faults ${c.faults}, ${c.durationMs} ms`;
}
