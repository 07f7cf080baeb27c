/** Task module of the validation workers: one file per task. */
import type { FileReport, ValidateOptions } from './validate-file.js';
import { validateInput, type Format } from './validate-input.js';

export interface ValidateTask {
  file: string;
  format: Format;
  /** Plain data only (no progress callback across threads). */
  options: Omit<ValidateOptions, 'onProgress'>;
}

export default function validateTask(task: ValidateTask): FileReport {
  return validateInput(task.file, task.format, task.options);
}
