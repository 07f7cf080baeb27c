/**
 * Shards of a campaign: `--shard i/n` (numbered from 1, like vitest's and Playwright's
 * --shard) takes the i-th of n contiguous blocks of the run indexes 0 .. runs - 1. Blocks
 * rather than every n-th run, so that each shard is itself an ordinary campaign over a range,
 * and merging is a walk over the shards in order: the first failing run of the first shard
 * that fails is the first failing run of the whole campaign.
 */
export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

export interface RunRange {
  /** First run index. */
  start: number;
  /** One past the last run index. */
  end: number;
}

/** Parses `i/n`; the error message names what is wrong, for a one-line usage error. */
export function parseShard(raw: string): Shard | { error: string } {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(raw);
  if (!match) return { error: `expected i/n, such as 1/4, got '${raw}'` };
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (!Number.isSafeInteger(count) || count < 1) return { error: `the shard count must be at least 1, got '${raw}'` };
  if (!Number.isSafeInteger(index) || index < 1 || index > count) return { error: `the shard number must be between 1 and ${count}, got '${raw}' (shards are numbered from 1)` };
  return { index, count };
}

/** The runs of one shard; with no shard, all of them. */
export function shardRange(runs: number, shard: Shard | null): RunRange {
  if (!shard) return { start: 0, end: runs };
  // BigInt: index × runs may exceed 2^53 for very long campaigns.
  const at = (i: number) => Number((BigInt(i) * BigInt(runs)) / BigInt(shard.count));
  return { start: at(shard.index - 1), end: at(shard.index) };
}

export function formatShard(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}
