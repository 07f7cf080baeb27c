/**
 * Writes a trace file atomically: lines stream into a temporary file beside the target, which
 * replaces the target only on `close()`. An interrupted run leaves the target untouched, and a
 * writer never replaces one of the run's inputs or (unless asked) any existing file.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { TraceLine } from '../../src/trace/schema.js';
import { claimTempPath, releaseTempPath } from '../io/atomic-write.js';
import { OutputError, outputError } from '../io/output-error.js';
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

  /** Throws an OutputError naming `target` when it cannot be written. */
  constructor(readonly target: string, private readonly options: TraceFileWriterOptions = {}) {
    for (const input of options.inputs ?? []) {
      if (samePath(input, target)) throw new OutputError(target, 'is also an input of this run (refusing to overwrite it)');
    }
    if (!options.overwrite && fs.existsSync(target)) throw new OutputError(target, 'already exists (use --force to replace it)');
    if (fs.existsSync(target) && fs.statSync(target).isDirectory()) throw new OutputError(target, 'is a directory');
    try {
      this.temp = claimTempPath(target);
    } catch (error) {
      throw outputError(target, error);
    }
    try {
      this.fd = fs.openSync(this.temp, 'wx');
    } catch (error) {
      releaseTempPath(this.temp);
      throw outputError(target, error);
    }
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
    try {
      fs.writeSync(this.fd, this.buffer.join(''));
    } catch (error) {
      this.abort();
      throw outputError(this.target, error);
    }
    this.buffer = [];
    this.buffered = 0;
  }

  /** Makes the trace visible at the target, atomically. */
  close(): void {
    if (this.fd === null) return;
    this.flush();
    try {
      fs.fsyncSync(this.fd);
      fs.closeSync(this.fd);
      this.fd = null;
      if (this.options.overwrite) fs.renameSync(this.temp, this.target);
      else fs.linkSync(this.temp, this.target); // fails if the target appeared meanwhile
    } catch (error) {
      this.abort();
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new OutputError(this.target, 'already exists (use --force to replace it)');
      throw outputError(this.target, error);
    }
    if (!this.options.overwrite) fs.rmSync(this.temp, { force: true });
    releaseTempPath(this.temp);
  }

  /** Drops the partial trace; the target is untouched. */
  abort(): void {
    const fd = this.fd;
    this.fd = null;
    if (fd !== null) {
      try {
        fs.closeSync(fd);
      } catch {
        // closing is all that was left to do
      }
    }
    fs.rmSync(this.temp, { force: true });
    releaseTempPath(this.temp);
  }
}
