/** Task module of the validation workers: one file per task. */
import { LineTooLongError } from '../trace/reader.js';
import type { FileReport, ValidateOptions } from './validate-file.js';
import { validateInput, type Format } from './validate-input.js';

export interface ValidateTask {
  file: string;
  format: Format;
  /** Plain data only (no progress callback across threads). */
  options: Omit<ValidateOptions, 'onProgress'>;
}

/** A report, or the line that stopped the reading (an error's class does not cross threads). */
export type ValidateOutcome = { report: FileReport } | { tooLong: { file: string; line: number; limit: number } };

export default function validateTask(task: ValidateTask): ValidateOutcome {
  try {
    return { report: validateInput(task.file, task.format, task.options) };
  } catch (error) {
    if (error instanceof LineTooLongError) return { tooLong: { file: error.file, line: error.line, limit: error.limit } };
    throw error;
  }
}
