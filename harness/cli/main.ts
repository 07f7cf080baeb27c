/**
 * Process entry point of `raftcheck`: the only place that touches process.argv, the exit code
 * and the real streams. Everything else is in run.ts, which tests call directly.
 */
import type { CliIO } from './command.js';
import { runCli } from './run.js';

const processIO: CliIO = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  isTTY: Boolean(process.stderr.isTTY),
};

// A closed pipe (`raftcheck ... | head`) is not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
});

const code = await runCli(process.argv.slice(2), processIO);
process.exitCode = code;
