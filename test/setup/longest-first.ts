/**
 * Runs the test files longest first (test/setup/file-durations.json, measured on a clean clone's
 * `.ci/run`). Two files run at once on a 2-core CI machine; vitest orders a clean clone's files
 * alphabetically (it has no timings cached there), so a long file could start last and run
 * alone. Longest first keeps both workers busy to the end. A file missing from the table (a new
 * one) counts as a long one, so it never starts last. The table is refreshed with
 * `npm run test:durations`; it changes only the order, never what runs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const TABLE = path.join(import.meta.dirname, 'file-durations.json');
const UNKNOWN_MS = 30_000;

export default class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const durations = JSON.parse(fs.readFileSync(TABLE, 'utf8')) as Record<string, number>;
    const ms = (f: TestSpecification) => durations[path.relative(f.project.config.root, f.moduleId).split(path.sep).join('/')] ?? UNKNOWN_MS;
    return [...files].sort((a, b) => ms(b) - ms(a));
  }
}
