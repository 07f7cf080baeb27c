/**
 * Writes a file atomically: the content goes to a temporary file in the same directory, which
 * is then renamed over the target, so a reader never sees a half-written file and an
 * interrupted run never leaves one behind.
 */
import fs from 'node:fs';
import path from 'node:path';

let counter = 0;

export function tempPathFor(target: string): string {
  counter += 1;
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${counter}.tmp`);
}

export interface AtomicWriteOptions {
  /** Refuse to replace an existing file (the default); set to replace one. */
  overwrite?: boolean;
}

export function writeFileAtomic(target: string, content: string | Uint8Array, options: AtomicWriteOptions = {}): void {
  if (!options.overwrite && fs.existsSync(target)) throw new Error(`${target}: already exists (refusing to overwrite)`);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const temp = tempPathFor(target);
  try {
    fs.writeFileSync(temp, content);
    if (!options.overwrite) {
      // link() fails if the target appeared meanwhile, so an existing file is never replaced.
      fs.linkSync(temp, target);
      fs.unlinkSync(temp);
    } else {
      fs.renameSync(temp, target);
    }
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
}
