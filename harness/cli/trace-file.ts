/**
 * The trace file a command that reads one trace was given: it exists and is not a directory
 * (a one-line InputError otherwise). Shared by `view` and `export`.
 */
import fs from 'node:fs';
import { InputError } from '../errors.js';

export function requireTraceFile(trace: string): fs.Stats {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(trace);
  } catch {
    throw new InputError(`${trace}: no such file`);
  }
  if (stat.isDirectory()) throw new InputError(`${trace}: is a directory (give one trace file)`);
  return stat;
}
