/**
 * What a person reads after a campaign (raftcheck fuzz, raftcheck merge-results): the verdict,
 * the seed, where the regression case is and the exact commands that replay it.
 */
import path from 'node:path';
import { formatShard, type Shard } from './shard.js';
import type { CampaignParams, FuzzSummary } from './summary.js';

/** Quotes a word for a POSIX shell when it needs it (an implementation given as a command). */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** The command that reruns a campaign, or one shard of it (the worker count never matters). */
export function campaignCommand(c: CampaignParams, shard: Shard | null): string {
  return `raftcheck fuzz --impl ${shellWord(c.impl)}${c.interleave ? ' --interleave' : ''} --runs ${c.runs} --seed ${c.seed} --nodes ${c.nodes.join(',')} --faults ${c.faults} --duration ${c.durationMs}ms${shard ? ` --shard ${formatShard(shard)}` : ''}`;
}

export interface ReportContext {
  /** Wall-clock seconds, when known (a merge does not know them). */
  seconds?: string;
  /** The saved regression case. */
  saved?: { file: string; created: boolean };
  /** The shard that found the failure (for its rerun command). */
  failingShard?: Shard | null;
  /** The time limit, when it stopped the runs. */
  timeLimitMs?: number;
}

export function formatCampaignReport(s: FuzzSummary, context: ReportContext = {}): string {
  const c = s.campaign;
  const timing = context.seconds !== undefined ? `, ${context.seconds} s` : '';
  const where = s.shard ? `, shard ${formatShard(s.shard)} (runs ${s.range.start}..${s.range.end - 1})` : '';
  const stopped = s.interrupted ? `, stopped by the ${context.timeLimitMs !== undefined ? `${context.timeLimitMs} ms ` : ''}time limit` : '';
  if (!s.failure) return `${c.impl}: no failure in ${s.evaluated} runs (${s.events} events${timing}${stopped}); seed ${c.seed}, faults ${c.faults}${where}\n`;
  const f = s.failure;
  const meta = f.regression.meta as { schedule: { nodes: number; events: unknown[]; fates: unknown[] } };
  const file = context.saved?.file ?? f.regression.file;
  const lines = [
    `${c.impl}: FAILED [${f.rule}] at run ${f.index} after ${s.evaluated} run${s.evaluated === 1 ? '' : 's'}${where ? ` of this shard` : ''} (${s.events} events${timing}${stopped}), shrunk ${f.shrinks} times to ${meta.schedule.nodes} nodes, ${meta.schedule.events.length} events, ${meta.schedule.fates.length} network fates`,
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
