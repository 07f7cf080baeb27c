/** Progress through a file on stderr (`--progress`): `trace.jsonl: 42% (12.0 of 28.6 MiB)`, redrawn in place. */
import type { CliIO } from './command.js';

export function fileProgress(io: CliIO, file: string): (read: number, total: number) => void {
  let lastPercent = -1;
  return (read, total) => {
    const percent = total === 0 ? 100 : Math.floor((read / total) * 100);
    if (percent === lastPercent) return;
    lastPercent = percent;
    io.err(`\r${file}: ${percent}% (${(read / 1048576).toFixed(1)} of ${(total / 1048576).toFixed(1)} MiB)`);
  };
}
