/**
 * Writes a file atomically: the content goes to a temporary file in the same directory, which
 * is then renamed over the target, so a reader never sees a half-written file.
 *
 * Temporary files are named `.<target name>.<pid>.<n>.tmp`. Those this process has open are
 * listed (`removeTempFiles` deletes them: the CLI calls it on Ctrl-C, see
 * harness/cli/interrupt.ts), and those of a process that is no longer running (killed before
 * it could clean up) are deleted on the next write to the same target.
 */
import fs from 'node:fs';
import path from 'node:path';
import { makeDirs } from './make-dirs.js';
import { OutputError, outputError } from './output-error.js';

let counter = 0;
const live = new Set<string>();

function isRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, someone else's
  }
}

/** Deletes the temporary files of `target` left by processes that are gone; returns their names. */
export function removeStaleTempFiles(target: string): string[] {
  const dir = path.dirname(target);
  const prefix = `.${path.basename(target)}.`;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const owner = /^(\d+)\.\d+$/.exec(name.slice(prefix.length, -'.tmp'.length));
    if (!owner || isRunning(Number(owner[1]))) continue;
    try {
      fs.unlinkSync(path.join(dir, name));
      removed.push(name);
    } catch {
      // gone already, or not ours to delete
    }
  }
  return removed;
}

/**
 * A fresh temporary path beside `target`, listed until `releaseTempPath`; creates the
 * directory if needed (throws MakeDirsError if it cannot) and sweeps stale temporary files.
 */
export function claimTempPath(target: string): string {
  makeDirs(path.dirname(path.resolve(target)));
  removeStaleTempFiles(target);
  counter += 1;
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${counter}.tmp`);
  live.add(temp);
  return temp;
}

/** The temporary file is gone (renamed or deleted): stop listing it. */
export function releaseTempPath(temp: string): void {
  live.delete(temp);
}

/** Deletes every temporary file this process has open (an interrupted run leaves none). */
export function removeTempFiles(): void {
  for (const temp of live) {
    try {
      fs.rmSync(temp, { force: true });
    } catch {
      // nothing more can be done while exiting
    }
  }
  live.clear();
}

/** Temporary files this process has open (for tests). */
export function openTempFiles(): string[] {
  return [...live];
}

function writeParts(file: string, parts: readonly string[]): void {
  const fd = fs.openSync(file, 'w');
  try {
    for (const part of parts) {
      const bytes = Buffer.from(part);
      for (let written = 0; written < bytes.length; ) written += fs.writeSync(fd, bytes, written);
    }
  } finally {
    fs.closeSync(fd);
  }
}

export interface AtomicWriteOptions {
  /** Refuse to replace an existing file (the default); set to replace one. */
  overwrite?: boolean;
}

/**
 * Writes `content` (or its parts, one after the other) to `target`. Throws an OutputError
 * (harness/io/output-error.ts) naming `target` when it cannot be written.
 */
export function writeFileAtomic(target: string, content: string | Uint8Array | readonly string[], options: AtomicWriteOptions = {}): void {
  if (!options.overwrite && fs.existsSync(target)) throw new OutputError(target, 'already exists (refusing to overwrite)');
  let temp: string;
  try {
    temp = claimTempPath(target);
  } catch (error) {
    throw outputError(target, error);
  }
  try {
    if (typeof content === 'string' || content instanceof Uint8Array) fs.writeFileSync(temp, content);
    else writeParts(temp, content);
    if (!options.overwrite) {
      // link() fails if the target appeared meanwhile, so an existing file is never replaced.
      fs.linkSync(temp, target);
      fs.unlinkSync(temp);
    } else {
      fs.renameSync(temp, target);
    }
  } catch (error) {
    fs.rmSync(temp, { force: true });
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new OutputError(target, 'already exists (refusing to overwrite)'); // appeared meanwhile
    throw outputError(target, error);
  } finally {
    releaseTempPath(temp);
  }
}
