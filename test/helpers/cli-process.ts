import { spawn } from 'node:child_process';
import type { CliResult } from './cli.js';

/**
 * Runs command lines in one child process (one start for all: test/fixtures/cli/run-many.ts),
 * killed after `ms`. For behaviour whose failure is a hang: a synchronous loop cannot be
 * interrupted in-process, so it would block the test runner instead of failing the test.
 * Returns the results, or a string saying how the process ended without them.
 */
export function cliOutOfProcess(commands: string[][], ms = 45_000): Promise<CliResult[] | string> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/cli/run-many.ts', JSON.stringify(commands)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => void (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code === 0 ? (JSON.parse(stdout) as CliResult[]) : `exit ${code ?? signal} (killed after ${ms} ms?): ${stderr}`);
    });
  });
}
