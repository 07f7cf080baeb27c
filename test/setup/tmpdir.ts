/**
 * Global setup: every test's temporary files go under one fresh directory (tests create them
 * with os.tmpdir()), removed when the run ends, so test runs leave nothing behind. The OS
 * temporary directory is kept in RAFTCHECK_OS_TMPDIR for what should outlive a run: the npm
 * Chromium, unpacked once per machine (test/helpers/chromium.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export default function setup(): () => void {
  process.env.RAFTCHECK_OS_TMPDIR ??= os.tmpdir();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raftcheck-tests-'));
  process.env.TMPDIR = dir;
  return () => fs.rmSync(dir, { recursive: true, force: true });
}
