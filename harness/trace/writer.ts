/**
 * Writes a trace file atomically: lines stream into a temporary file beside the target, which
 * replaces the target only on `close()`. An interrupted run leaves the target untouched, and a
 * writer never replaces one of the run's inputs or (unless asked) any existing file.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { TraceLine } from '../../src/trace/schema.js';
import { tempPathFor } from '../io/atomic-write.js';
import type { TraceSink } from './sink.js';

export interface TraceFileWriterOptions {
  /** Replace an existing file (default: refuse). */
  overwrite?: boolean;
  /** Files this run reads: never written to, even with `overwrite`. */
  inputs?: readonly string[];
}

const FLUSH_BYTES = 1 << 20;

function samePath(a: string, b: string): boolean {
  const real = (p: string) => {
    try {
      return fs.realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  return real(a) === real(b);
}

export class TraceFileWriter implements TraceSink {
  private readonly temp: string;
  private fd: number | null;
  private buffer: string[] = [];
  private buffered = 0;

  constructor(readonly target: string, private readonly options: TraceFileWriterOptions = {}) {
    for (const input of options.inputs ?? []) {
      if (samePath(input, target)) throw new Error(`${target}: is also an input of this run (refusing to overwrite it)`);
    }
    if (!options.overwrite && fs.existsSync(target)) throw new Error(`${target}: already exists (use --force to replace it)`);
    fs.mkdirSync(path.dirname(path.resolve(target)), { recursive: true });
    this.temp = tempPathFor(target);
    this.fd = fs.openSync(this.temp, 'wx');
  }

  write(line: TraceLine): void {
    if (this.fd === null) throw new Error(`${this.target}: write after close`);
    const text = JSON.stringify(line) + '\n';
    this.buffer.push(text);
    this.buffered += text.length;
    if (this.buffered >= FLUSH_BYTES) this.flush();
  }

  private flush(): void {
    if (this.fd === null || this.buffer.length === 0) return;
    fs.writeSync(this.fd, this.buffer.join(''));
    this.buffer = [];
    this.buffered = 0;
  }

  /** Makes the trace visible at the target, atomically. */
  close(): void {
    if (this.fd === null) return;
    this.flush();
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
    this.fd = null;
    if (this.options.overwrite) {
      fs.renameSync(this.temp, this.target);
    } else {
      try {
        fs.linkSync(this.temp, this.target); // fails if the target appeared meanwhile
      } finally {
        fs.rmSync(this.temp, { force: true });
      }
    }
  }

  /** Drops the partial trace; the target is untouched. */
  abort(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
    fs.rmSync(this.temp, { force: true });
  }
}
