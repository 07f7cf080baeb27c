/**
 * Outputs are checked before any work starts: a campaign that runs for an hour must not fail
 * at the end because `--out` names a file or `-o` a directory that cannot be created. Each
 * check names the option and the path as the user gave them. Missing directories are created
 * to prove they can be, then removed again: a run that writes nothing leaves nothing. The
 * programmatic API (harness/api/) checks its outputs with the same functions.
 */
import fs from 'node:fs';
import path from 'node:path';
import { makeDirs } from '../io/make-dirs.js';
import { errnoReason } from '../io/output-error.js';
import { sameFile } from '../io/same-file.js';
import { InputError } from '../errors.js';

/** `-o out.jsonl`, or the path alone for an output the user did not name (a default). */
const label = (option: string, given: string) => (option ? `${option} ${given}` : given);

function ensureWritableDir(option: string, given: string, dir: string): void {
  let created: string[];
  try {
    created = makeDirs(dir);
  } catch (error) {
    throw new InputError(`${label(option, given)}: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (error) {
    throw new InputError(`${label(option, given)}: cannot write in ${dir}: ${errnoReason(error)}`);
  } finally {
    for (const made of created.reverse()) {
      try {
        fs.rmdirSync(made);
      } catch {
        // someone put something there meanwhile: theirs to keep
      }
    }
  }
}

export interface OutputFileCheck {
  /** Replace an existing file (`--force`). */
  force?: boolean;
  /** Files the command reads: never an output, even with --force. */
  inputs?: readonly string[];
}

/** An output file (`option` '' for a default path the user did not give): not a directory, not an input, not an existing file without --force, in a directory that can be written. */
export function checkOutputFile(option: string, target: string, check: OutputFileCheck = {}): void {
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(target);
  } catch {
    // absent: the usual case
  }
  const name = label(option, target);
  if (stat?.isDirectory()) throw new InputError(`${name}: is a directory (give a file name)`);
  if ((check.inputs ?? []).some((input) => sameFile(input, target))) throw new InputError(`${name}: is one of the inputs (refusing to overwrite it)`);
  if (stat && !check.force) throw new InputError(`${name}: already exists (use --force to replace it)`);
  ensureWritableDir(option, target, path.dirname(path.resolve(target)));
}

/** An output directory: created if missing; an existing file of that name is refused. */
export function checkOutputDir(option: string, dir: string): void {
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(dir);
  } catch {
    // absent: created below
  }
  if (stat && !stat.isDirectory()) throw new InputError(`${label(option, dir)}: not a directory (a file of that name exists)`);
  ensureWritableDir(option, dir, path.resolve(dir));
}
