/**
 * Validating several files on worker threads. Reports are handed back in the order the files
 * were given, each as soon as it and every file before it are done, so the output is the same
 * whatever the number of workers.
 */
import { createWorkerPool, taskModule } from '../pool/worker-pool.js';
import { LineTooLongError } from '../trace/reader.js';
import type { FileReport } from './validate-file.js';
import type { ValidateOutcome, ValidateTask } from './validate-worker.js';

/** Throws LineTooLongError if a file has a line over the limit (as on one thread). */
export async function validateFilesInParallel(tasks: readonly ValidateTask[], workers: number, onReport: (report: FileReport, index: number) => void): Promise<FileReport[]> {
  const pool = createWorkerPool<ValidateTask, ValidateOutcome>(taskModule('validate-worker', import.meta.url), Math.max(1, Math.min(workers, tasks.length)));
  const reports: Array<FileReport | undefined> = new Array(tasks.length).fill(undefined);
  let emitted = 0;
  try {
    await Promise.all(tasks.map(async (task, i) => {
      const outcome = await pool.run(task);
      if ('tooLong' in outcome) throw new LineTooLongError(outcome.tooLong.file, outcome.tooLong.line, outcome.tooLong.limit);
      reports[i] = outcome.report;
      for (; emitted < tasks.length && reports[emitted]; emitted++) onReport(reports[emitted]!, emitted);
    }));
  } finally {
    await pool.destroy();
  }
  return reports as FileReport[];
}
