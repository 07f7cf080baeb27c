/**
 * Process entry point of `raftcheck`: the only place that touches process.argv, the exit code
 * and the real streams. Everything else is in run.ts, which tests call directly.
 */
import type { CliIO } from './command.js';
import { tuneHeapForStreaming } from './heap-tuning.js';
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

// validate streams long traces: V8's heap tuned for that, for this process only (never for a
// program that calls runCli, such as the tests).
if (process.argv[2] === 'validate') tuneHeapForStreaming();
const code = await runCli(process.argv.slice(2), processIO);
process.exitCode = code;
