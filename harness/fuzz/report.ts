/**
 * What a person reads after a campaign (raftcheck fuzz, raftcheck merge-results): the verdict,
 * the seed, where the regression case is and the exact commands that replay it.
 */
import path from 'node:path';
import type { SkipRule } from '../checker/skip-rules.js';
import { formatShard, type Shard } from './shard.js';
import type { CampaignParams, FuzzSummary } from './summary.js';

/** Quotes a word for a POSIX shell when it needs it (an implementation given as a command). */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** The command that reruns a campaign, or one shard of it (the worker count never matters). */
export function campaignCommand(c: CampaignParams, shard: Shard | null): string {
  const skip = c.skipRules?.length ? ` --skip-rules ${shellWord(c.skipRules.map((s) => `${s.rule}=${s.reason}`).join(','))}` : '';
  const features = c.features?.length ? ` --features ${c.features.join(',')}` : '';
  const snapshotEvery = c.snapshotEvery !== undefined ? ` --snapshot-every ${c.snapshotEvery}` : '';
  const shrinkRuns = c.shrinkRuns !== undefined ? ` --shrink-runs ${c.shrinkRuns}` : '';
  return `raftcheck fuzz --impl ${shellWord(c.impl)}${skip}${c.interleave ? ' --interleave' : ''}${features}${snapshotEvery} --runs ${c.runs} --seed ${c.seed} --nodes ${c.nodes.join(',')} --faults ${c.faults} --duration ${c.durationMs}ms${shrinkRuns}${shard ? ` --shard ${formatShard(shard)}` : ''}`;
}

export interface ReportContext {
  /** The saved regression case. */
  saved?: { file: string; created: boolean };
  /** The shard that found the failure (for its rerun command). */
  failingShard?: Shard | null;
  /** The time limit, when it stopped the runs. */
  timeLimitMs?: number;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function formatCampaignReport(s: FuzzSummary, context: ReportContext = {}): string {
  const c = s.campaign;
  // The time to the first failure (or of all the runs), apart from the time spent shrinking it.
  const timing = s.timing ? `, ${s.failure ? 'first failure after ' : ''}${seconds(s.timing.searchMs)}` : '';
  const where = s.shard ? `, shard ${formatShard(s.shard)} (runs ${s.range.start}..${s.range.end - 1})` : '';
  const stopped = s.interrupted ? `, stopped by the ${context.timeLimitMs !== undefined ? `${context.timeLimitMs} ms ` : ''}time limit` : '';
  if (!s.failure) return `${c.impl}: no failure in ${s.evaluated} runs (${s.events} events${timing}${stopped}); seed ${c.seed}, faults ${c.faults}${where}\n`;
  const f = s.failure;
  const meta = f.regression.meta as { schedule: { nodes: number; events: unknown[]; fates: unknown[] } };
  const file = context.saved?.file ?? f.regression.file;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const shrinking = f.shrinkRuns === 0
    ? `not shrunk (${f.line} trace lines)`
    : `shrunk in ${plural(f.shrinkRuns, 'run')}${s.timing ? ` (${seconds(s.timing.shrinkMs)})` : ''} from ${f.foundLine} to ${f.line} trace lines`;
  const lines = [
    `${c.impl}: FAILED [${f.rule}] at run ${f.index} after ${plural(s.evaluated, 'run')}${where ? ` of this shard` : ''} (${s.events} events${timing}${stopped}), ${shrinking}: ${plural(meta.schedule.nodes, 'node')}, ${plural(meta.schedule.events.length, 'schedule event')}, ${plural(meta.schedule.fates.length, 'network fate')}`,
    `  ${file}:${f.line}: ${f.message}`,
    ...(f.also ? [`  also breaks: ${f.also.join(', ')} (same event)`] : []),
    `  seed: ${c.seed}${where}`,
  ];
  if (context.saved) {
    lines.push(`  regression case: ${context.saved.file}${context.saved.created ? '' : ' (already saved)'}`);
    lines.push(`  replay it:       npx raftcheck replay ${path.normalize(context.saved.file)}`);
  }
  const shard = context.failingShard !== undefined ? context.failingShard : s.shard;
  lines.push(`  rerun campaign:  npx ${campaignCommand(c, shard)}`);
  if (shard) lines.push(`  (the whole campaign: npx ${campaignCommand(c, null)})`);
  return `${lines.join('\n')}\n`;
}

/**
 * What a campaign did not check, and why (the implementation's skip list, by reason); what the
 * trace format does not model, counted. Printed after the report by `raftcheck fuzz` and runFuzz.
 */
export function formatCampaignScope(skipped: readonly SkipRule[] | undefined, notModelled: Record<string, number>): string {
  let text = '';
  const byReason = new Map<string, string[]>();
  for (const s of skipped ?? []) byReason.set(s.reason, [...(byReason.get(s.reason) ?? []), s.rule]);
  for (const [reason, rules] of byReason) text += `  not checked: ${rules.join(', ')} (${reason})\n`;
  const counts = Object.entries(notModelled).sort((a, b) => b[1] - a[1]);
  if (counts.length) text += `  not modelled (carried, logged as notes, not checked): ${counts.map(([name, n]) => `${name} ×${n}`).join(', ')}\n`;
  return text;
}
