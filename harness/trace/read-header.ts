/**
 * The header of a trace file, read from its first line only: what a saved case keeps about
 * itself (its implementation, schedule or actions, the rules it skipped).
 */
import type { Header } from '../../src/trace/schema.js';
import { readTraceFile } from './reader.js';

/** The file's header, or null if it has none; throws a one-line Error (file, line 1, field) if line 1 is malformed. */
export function readHeader(file: string): Header | null {
  let header: Header | null = null;
  let problem: string | null = null;
  readTraceFile(file, {
    line(value) {
      if (!header && value.kind === 'header') header = value;
    },
    error(e) {
      if (e.line === 1) problem ??= `${file}:1: ${e.path}: ${e.message}`;
    },
  }, { shouldStop: () => header !== null || problem !== null });
  if (problem) throw new Error(problem);
  return header;
}
