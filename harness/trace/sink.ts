import type { TraceLine } from '../../src/trace/schema.js';

/** Where a producer (the simulator, an importer) writes trace lines, header first. */
export interface TraceSink {
  write(line: TraceLine): void;
  /** Finishes the trace (a file sink makes it visible atomically here). */
  close(): void;
}

/** Keeps the lines in memory: for tests and for checking a run before (or instead of) saving it. */
export class MemorySink implements TraceSink {
  readonly lines: TraceLine[] = [];
  closed = false;
  write(line: TraceLine): void {
    if (this.closed) throw new Error('write after close');
    this.lines.push(line);
  }
  close(): void {
    this.closed = true;
  }
}
