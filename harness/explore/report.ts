/** Explore's output, in the manner of TLC's: counts, depth, queue, rate, and the verdict. */
import type { ExploreModel } from './model.js';
import { collisionOdds } from './fingerprint.js';
import type { SearchOptions, SearchResult, SearchStats } from './search.js';

const n = (x: number): string => x.toLocaleString('en-US');

function rate(stats: SearchStats): string {
  return stats.elapsedMs > 0 ? `${n(Math.round((stats.distinct / stats.elapsedMs) * 1000))} distinct states/s` : '';
}

export function describeScope(model: ExploreModel, options: SearchOptions, workers?: number): string {
  const b = model.bounds;
  const mode = options.mode ?? 'bfs';
  return `${model.impl}: ${b.servers} servers, max-term ${b.maxTerm}, max-log ${b.maxLog}, max-msgs ${b.maxMsgs}, max-crashes ${b.maxCrashes}, max-client-ops ${b.maxClientOps}${b.batch !== 64 ? `, batch ${b.batch}` : ''}; ` +
    `${mode}${options.maxDepth !== undefined ? ` to depth ${options.maxDepth}` : ''}${options.symmetry ? ', symmetry' : ''}${workers && workers > 1 ? `, ${workers} workers` : ''}`;
}

export function formatProgress(stats: SearchStats): string {
  return `progress: ${n(stats.distinct)} distinct states, ${n(stats.generated)} generated, depth ${stats.depth}, queue ${n(stats.queue)}, ${(stats.elapsedMs / 1000).toFixed(1)} s${stats.elapsedMs > 0 ? `, ${rate(stats)}` : ''}\n`;
}

export function formatResult(result: SearchResult): string {
  const s = result.stats;
  const lines: string[] = [];
  if (result.outcome === 'violation') {
    const v = result.violation!;
    lines.push(`violation: [${v.rule}] after ${v.actions.length} steps (line ${v.line} of the counterexample): ${v.message}`);
    v.steps.forEach((step, k) => lines.push(`  ${String(k + 1).padStart(3)}. ${step}`));
  } else if (result.outcome === 'exhausted') {
    lines.push('exhausted: every reachable state within the bounds checked, no violation');
  } else {
    const by = {
      'max-states': '--max-states', 'time-budget': '--time-budget', 'memory-budget': '--max-memory', 'max-depth': '--max-depth',
      'visited-full': 'the shared visited set of --workers being full: give --max-states to size it',
    }[result.stoppedBy ?? 'max-depth'];
    lines.push(`bounded: not exhausted (stopped by ${by}); no violation in the states covered`);
  }
  lines.push(`${n(s.distinct)} distinct states found, ${n(s.generated)} states generated, depth ${s.depth}, ${n(s.queue)} states left on queue`);
  if (s.beyondBounds) lines.push(`${n(s.beyondBounds)} of them beyond a bound (checked, not expanded)`);
  lines.push(`${(s.elapsedMs / 1000).toFixed(1)} s${s.elapsedMs > 0 ? `, ${rate(s)}` : ''}; fingerprint collision odds ${collisionOdds(s.distinct).toExponential(1)}`);
  return lines.join('\n') + '\n';
}
