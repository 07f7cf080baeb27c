/** Human-readable rendering of a file's verdict: one `FILE:LINE: path: message [rule]` line per error. */
import { describeSkipRules } from '../checker/skip-rules.js';
import type { FileReport } from './validate-file.js';

function compact(event: unknown): string {
  const text = JSON.stringify(event);
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}

export function formatReport(report: FileReport, options: { quiet?: boolean } = {}): string {
  let out = '';
  for (const e of report.errors) {
    out += `${report.file}:${e.line}: ${e.path}: ${e.message} [${e.rule}]\n`;
    const involved = [e.nodes && e.nodes.length > 0 ? `nodes ${[...new Set(e.nodes)].join(', ')}` : '', e.terms && e.terms.length > 0 ? `terms ${[...new Set(e.terms)].join(', ')}` : ''].filter(Boolean);
    if (involved.length > 0) out += `    involved: ${involved.join('; ')}\n`;
    if (e.expected !== undefined) out += `    expected: ${e.expected}\n`;
    if (e.seen !== undefined) out += `    seen:     ${e.seen}\n`;
    if (e.also && e.also.length > 0) out += `    also breaks: ${e.also.join(', ')} (same event)\n`;
    if (e.excerpt && e.excerpt.length > 0) {
      out += '    events:\n';
      for (const x of e.excerpt) out += `      ${String(x.line).padStart(6)}  ${compact(x.event)}\n`;
    }
  }
  if (report.errorCount > report.errors.length) out += `${report.file}: … ${report.errorCount - report.errors.length} more errors (raise --max-errors to see them)\n`;
  // What the trace's producer declared not checkable (its header's skipRules) was not checked: say so, with why.
  if (!options.quiet && report.skipped?.length) out += `${report.file}: not checked: ${describeSkipRules(report.skipped)}\n`;
  if (!options.quiet) {
    const notModelled = (report as FileReport & { notModelled?: Record<string, number> }).notModelled;
    const extra = notModelled && Object.keys(notModelled).length > 0
      ? `; not modelled: ${Object.entries(notModelled).map(([k, v]) => `${v} ${k}`).join(', ')}`
      : '';
    const lin = report.linearizability && report.linearizability.verdict !== 'skipped' ? `, ${report.linearizability.operations} client operations ${report.linearizability.verdict}` : '';
    out += report.valid
      ? `${report.file}: valid (${report.events} events${lin}${extra})\n`
      : `${report.file}: invalid (${report.errorCount} error${report.errorCount === 1 ? '' : 's'}${extra})\n`;
  }
  return out;
}
