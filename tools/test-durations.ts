/**
 * `npm run test:durations`: runs the test suite once with vitest's JSON reporter and writes each
 * file's duration to test/setup/file-durations.json, the order test/setup/longest-first.ts runs
 * the files in (longest first). Run it on a quiet machine after adding or growing a test file.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../harness/io/atomic-write.js';

const report = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'raftcheck-durations-')), 'report.json');
const run = spawnSync('npx', ['vitest', 'run', '--reporter=json', `--outputFile=${report}`], { stdio: ['ignore', 'ignore', 'inherit'] });
if (!fs.existsSync(report)) {
  process.stderr.write(`test:durations: vitest wrote no report (exit ${run.status ?? run.signal})\n`);
  process.exit(2);
}
const { testResults } = JSON.parse(fs.readFileSync(report, 'utf8')) as { testResults: Array<{ name: string; startTime: number; endTime: number }> };
const durations = testResults
  .map((r) => [path.relative(process.cwd(), r.name).split(path.sep).join('/'), Math.round(r.endTime - r.startTime)] as const)
  .sort((a, b) => b[1] - a[1]);
writeFileAtomic('test/setup/file-durations.json', `${JSON.stringify(Object.fromEntries(durations), null, 1)}\n`, { overwrite: true });
process.stdout.write(`test/setup/file-durations.json: ${durations.length} files, ${(durations.reduce((s, [, ms]) => s + ms, 0) / 1000).toFixed(0)} s in all${run.status === 0 ? '' : ` (the run failed: exit ${run.status})`}\n`);
