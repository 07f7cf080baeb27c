/**
 * `mkdir -p` that always ends. Node's `fs.mkdirSync(dir, { recursive: true })` loops forever
 * where creating a directory fails with ENOENT although its parent exists (under /proc, for
 * one: `mkdir /proc/x` says "no such file or directory"). This walks up to the nearest
 * existing ancestor and creates each level once, so every failure is reported.
 */
import fs from 'node:fs';
import path from 'node:path';
import { errnoReason } from './output-error.js';

/** Why a directory could not be made: the directory that failed and the system's reason. */
export class MakeDirsError extends Error {
  override name = 'MakeDirsError';
  constructor(readonly dir: string, readonly code: string | undefined, reason: string) {
    super(`cannot create directory ${dir}: ${reason}`);
  }
}


/** Creates `dir` and any missing ancestors; returns those it created, outermost first; throws MakeDirsError naming the level that failed. */
export function makeDirs(dir: string): string[] {
  const target = path.resolve(dir);
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // ENOTDIR: some ancestor is a file; walking up names it.
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new MakeDirsError(target, code, errnoReason(error));
  }
  if (stat) {
    if (!stat.isDirectory()) throw new MakeDirsError(target, 'ENOTDIR', 'a file of that name exists');
    return [];
  }
  const parent = path.dirname(target);
  if (parent === target) throw new MakeDirsError(target, 'ENOENT', 'no such file or directory');
  const created = makeDirs(parent);
  try {
    fs.mkdirSync(target);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e.code === 'EEXIST' && fs.statSync(target).isDirectory()) return created; // made meanwhile by someone else
    throw new MakeDirsError(target, e.code, errnoReason(e));
  }
  return [...created, target];
}
