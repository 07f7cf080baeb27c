/**
 * The CI and Kubernetes examples of docs/SCALING.md are real set-ups: their shard counts agree
 * with their matrix and Job sizes, and their commands, run as written for every shard (with
 * fewer runs, one worker, and paths moved to a temporary directory), produce summaries that
 * merge into the unsharded campaign's summary.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './helpers/cli.js';

const read = (file: string) => fs.readFileSync(path.join('docs/examples', file), 'utf8');

/** The `npx raftcheck ...` command lines of a file, without the exit-code guard. */
function commands(text: string): string[] {
  return [...text.matchAll(/npx raftcheck ([^\n'"]+)/g)].map((m) => m[1]!.replace(/\s*\|\|.*$/, '').trim());
}

/** argv of a documented command for shard `i`, with its output paths moved under `dir`. */
function argv(command: string, shardVariable: RegExp, i: number, dir: string): string[] {
  const words = command.replace(shardVariable, String(i)).split(/\s+/);
  return words.flatMap((word, k) => {
    const option = words[k - 1];
    if (option === '--summary' || option === '--out') return [path.join(dir, word)];
    if (word.includes('*')) {
      const folder = path.join(dir, path.dirname(word));
      const pattern = new RegExp(`^${path.basename(word).replace('.', '\\.').replace('*', '.*')}$`);
      return fs.readdirSync(folder).filter((f) => pattern.test(f)).sort().map((f) => path.join(folder, f));
    }
    return [word];
  });
}

async function runExample(fuzz: string, merge: string, shards: number, shardVariable: RegExp): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raftcheck-docs-'));
  // Fewer runs and one worker keep the test short; the last value of an option wins.
  const small = ['--runs', String(2 * shards), '--workers', '1', '--duration', '1s'];
  for (let i = 1; i <= shards; i++) {
    const r = await cli(...argv(fuzz, shardVariable, i, dir), ...small);
    expect(r.code, `${fuzz} (shard ${i}): ${r.stderr}`).toBe(0);
  }
  const mergeArgv = argv(merge, shardVariable, 0, dir);
  expect(mergeArgv.filter((a) => a.endsWith('.json') && !a.endsWith('merged.json'))).toHaveLength(shards);
  const merged = await cli(...mergeArgv);
  expect(merged.code, merged.stderr).toBe(0);
  const unsharded = await cli(...argv(fuzz, shardVariable, 1, dir).filter((a, k, all) => a !== '--shard' && all[k - 1] !== '--shard' && a !== '--summary' && all[k - 1] !== '--summary'), ...small, '--json');
  const mergedFile = mergeArgv[mergeArgv.indexOf('--summary') + 1]!;
  // Equal but for the wall-clock timing.
  const withoutTiming = (text: string) => ({ ...(JSON.parse(text) as Record<string, unknown>), timing: undefined });
  expect(withoutTiming(fs.readFileSync(mergedFile, 'utf8'))).toEqual(withoutTiming(unsharded.stdout));
}

describe('docs/examples', () => {
  it('GitHub Actions: the matrix lists shards 1..n, and the jobs\' commands merge to the unsharded campaign', async () => {
    const text = read('github-actions-fuzz.yml');
    const matrix = /shard: \[([\d, ]+)\]/.exec(text)![1]!.split(',').map(Number);
    const [fuzz, merge] = commands(text);
    const n = Number(/--shard \$\{\{ matrix\.shard \}\}\/(\d+)/.exec(fuzz!)![1]);
    expect(matrix).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    expect(text).toContain(`path: summaries/shard-\${{ matrix.shard }}.json`);
    expect(merge).toMatch(/^merge-results .*summaries\/shard-\*\.json$/);
    await runExample(fuzz!, merge!, n, /\$\{\{ matrix\.shard \}\}/g);
  });
  it('Kubernetes: an Indexed Job of n completions runs shard JOB_COMPLETION_INDEX + 1 of n, and the merge Job merges them', async () => {
    const text = read('kubernetes-fuzz-job.yaml');
    expect(text).toMatch(/completionMode: Indexed/);
    const completions = Number(/completions: (\d+)/.exec(text)![1]);
    expect(Number(/parallelism: (\d+)/.exec(text)![1])).toBe(completions);
    const [fuzz, merge] = commands(text);
    expect(fuzz).toContain(`--shard $((JOB_COMPLETION_INDEX + 1))/${completions}`);
    expect(text).toContain(`-eq ${completions} ]`); // the merge waits for every summary
    await runExample(fuzz!, merge!, completions, /\$\(\(JOB_COMPLETION_INDEX \+ 1\)\)/g);
  });
});
