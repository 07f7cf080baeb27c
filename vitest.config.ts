import os from 'node:os';
import { defineConfig } from 'vitest/config';
import LongestFirst from './test/setup/longest-first.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/tmpdir.ts', 'test/setup/built-workers.ts'],
    // vitest runs cores - 1 files at once: one at a time on a 2-core CI machine, where many of
    // these tests wait on child processes and worker threads. Two at once there: measured on a
    // clean clone, 298 s -> 217 s for the same 1,075 tests and the same CPU time. Three at once was
    // slower (a clean clone's .ci/run: 5 min 23 s against 5 min 9 s with two).
    maxWorkers: Math.max(2, os.availableParallelism() - 1),
    // Test files share their worker's module graph instead of importing raftcheck afresh each
    // (86 files: vitest's import time 55 s -> 13 s). On a clean clone, on a quiet 2-core machine:
    // 272 s -> 197 s for the same 1,400 tests. No test file mutates shared module state; the
    // suite also passes with every file in one worker (--maxWorkers=1).
    isolate: false,
    // Longest files first (test/setup/file-durations.json): both workers stay busy to the end.
    sequence: { sequencer: LongestFirst },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts', 'harness/**/*.ts'],
      // The process entry point only wires argv and streams to runCli, which tests call directly.
      exclude: ['harness/cli/main.ts', 'harness/bench/**'],
      reporter: ['text-summary', 'json-summary'],
      reportsDirectory: 'coverage',
      thresholds: { lines: 80 },
    },
  },
});
