/**
 * Feature `snapshot`: the check of what an adapter reports in `Output.snapshots` (adapter.ts),
 * before anything is logged. A malformed report is the adapter's mistake, not a finding: it is
 * named in one line by its path (`snapshots/0/index: ...`), as a driver's reply that breaks
 * spec/driver.schema.json is. Hand-written, not ajv: adapt.ts runs on every call of every run.
 */
import type { SnapshotReport } from './adapter.js';

const isIndex = (x: unknown, min: number): boolean => typeof x === 'number' && Number.isSafeInteger(x) && x >= min;
const isRegister = (x: unknown): boolean =>
  x === null || (typeof x === 'string' && x.length <= 4096) || (typeof x === 'number' && Number.isSafeInteger(x));
const isServerList = (x: unknown): boolean =>
  Array.isArray(x) && x.every((s) => typeof s === 'string' && s.length > 0) && new Set(x).size === x.length;
const show = (x: unknown): string => (x === undefined ? 'nothing' : JSON.stringify(x) ?? String(x));

const FIELDS: Record<SnapshotReport['kind'], readonly string[]> = {
  snapshot: ['kind', 'index', 'term', 'value', 'config', 'entries'],
  install_snapshot: ['kind', 'index', 'term', 'value', 'logKept', 'config'],
};

/** What is wrong with one report, as `field: problem`, or null. */
function reportProblem(r: unknown): string | null {
  if (typeof r !== 'object' || r === null || Array.isArray(r)) return `: must be an object, got ${show(r)}`;
  const o = r as Record<string, unknown>;
  if (o.kind !== 'snapshot' && o.kind !== 'install_snapshot') return `/kind: must be "snapshot" or "install_snapshot", got ${show(o.kind)}`;
  const unknown = Object.keys(o).find((k) => !FIELDS[o.kind as SnapshotReport['kind']].includes(k));
  if (unknown !== undefined) return `/${unknown}: unknown field (a ${o.kind} report has ${FIELDS[o.kind].join(', ')})`;
  if (!isIndex(o.index, 1)) return `/index: must be a log index (an integer ≥ 1), got ${show(o.index)}`;
  if (!isIndex(o.term, 0)) return `/term: must be a term (an integer ≥ 0), got ${show(o.term)}`;
  if (!isRegister(o.value)) return `/value: must be the register's value (a string, a safe integer or null), got ${show(o.value)}`;
  if (o.kind === 'install_snapshot' && typeof o.logKept !== 'boolean') return `/logKept: must be true or false, got ${show(o.logKept)}`;
  if (o.config !== undefined) {
    const c = o.config as Record<string, unknown> | null;
    if (typeof c !== 'object' || c === null) return `/config: must be {index, voters, learners}, got ${show(c)}`;
    if (!isIndex(c.index, 0)) return `/config/index: must be a log index (0: the initial configuration), got ${show(c.index)}`;
    if (!isServerList(c.voters)) return `/config/voters: must be a list of distinct node ids, got ${show(c.voters)}`;
    if (!isServerList(c.learners)) return `/config/learners: must be a list of distinct node ids, got ${show(c.learners)}`;
  }
  if (o.entries !== undefined && !Array.isArray(o.entries)) return `/entries: must be a list of log entries, got ${show(o.entries)}`;
  return null;
}

/** What is wrong with a call's `snapshots` (the first problem, its path from `snapshots`), or null. */
export function snapshotReportsProblem(reports: unknown): string | null {
  if (!Array.isArray(reports)) return `snapshots: must be a list of snapshot reports, got ${show(reports)}`;
  for (let i = 0; i < reports.length; i++) {
    const problem = reportProblem(reports[i]);
    if (problem !== null) return `snapshots/${i}${problem}`;
  }
  return null;
}
