/**
 * Ctrl-C (SIGINT) or SIGTERM while raftcheck writes a file: the temporary files it is writing
 * are deleted (harness/io/atomic-write.ts lists them), then raftcheck ends as killed by that
 * signal, as it would without a handler: a shell reports status 130 (143 for SIGTERM), and a
 * script or loop running it stops too.
 *
 * Node runs a signal handler only when its event loop turns, so the work inside
 * `interruptible` must yield now and then (`yieldToSignals`). The handlers are installed only
 * for the time of such work: elsewhere (a fuzzing campaign runs synchronously) Node's default
 * action ends raftcheck at once, and a temporary file left by a process killed outright is
 * deleted on the next write to the same target.
 */
import { removeTempFiles } from '../io/atomic-write.js';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const SIGNAL_NUMBERS: Record<(typeof SIGNALS)[number], number> = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 };

/** Lets the event loop turn once, so that a signal that arrived is handled now. */
export const yieldToSignals = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Runs `work` with temporary files cleaned up on SIGINT, SIGTERM and SIGHUP. */
export async function interruptible<T>(work: () => Promise<T>): Promise<T> {
  const stop = () => {
    for (const s of SIGNALS) process.off(s, handler);
  };
  function handler(signal: NodeJS.Signals): void {
    removeTempFiles();
    stop();
    // Re-raised with the default action restored: raftcheck ends as killed by the signal.
    process.kill(process.pid, signal);
    process.exit(128 + (SIGNAL_NUMBERS[signal as (typeof SIGNALS)[number]] ?? 0)); // only if the signal did not end it
  }
  for (const s of SIGNALS) process.on(s, handler);
  try {
    return await work();
  } finally {
    await yieldToSignals(); // a signal that came during the last synchronous stretch is handled, not lost
    stop();
  }
}
