/** Writes a trace's HTML report atomically (never over an existing file unless told, never over the trace itself). */
import { writeFileAtomic } from '../io/atomic-write.js';
import { sameFile } from '../io/same-file.js';
import { renderReportParts } from './html.js';
import { buildViewModel, type BuildOptions, type ViewModel } from './model.js';

/** The report's default path: the trace's, with `.html` for `.jsonl`. */
export function reportPathFor(trace: string): string {
  return trace.replace(/(\.jsonl|\.ndjson|\.json)?$/i, '.html');
}

export function writeReport(trace: string, out: string, options: BuildOptions & { overwrite?: boolean } = {}): { model: ViewModel; bytes: number } {
  if (sameFile(trace, out)) throw new Error(`${out}: is the input trace (refusing to overwrite it)`);
  const model = buildViewModel(trace, options);
  const html = renderReportParts(model);
  writeFileAtomic(out, html, { overwrite: Boolean(options.overwrite) });
  return { model, bytes: html.reduce((sum, part) => sum + Buffer.byteLength(part), 0) };
}
